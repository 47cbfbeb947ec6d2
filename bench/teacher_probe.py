"""Probe: does the English teacher learn query-passage matching?

Trains a teacher on the demo's triples with a chosen head and start, then
reports (1) held-out pairwise accuracy: how often the positive outscores the
negative on triples drawn from a fresh passage pool of the same world (a ranker
that memorises its training triples stays at 0.5), and (2) nDCG@10 of reranking
BM25's English top ``--depth``. Needs the demo's resources and English BM25 run
(``snakemake -c 2 results/synthetic-demo/en2x/en/bm25.trec`` and the encoder).
docs/simulation.md ("Where the simulation stands") reports this probe's figures.

It also reports when the training loss (mean of each 25-step window) first
fell below 0.66, that is left the ln 2 plateau of the pairwise loss.

Usage::

    python bench/teacher_probe.py --pooling max --tie --steps 3000
    python bench/teacher_probe.py --pooling cls --steps 3000
    python bench/teacher_probe.py --tie --random-negatives 0.1 \
        --seed 14   # another model seed's encoder
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
from pathlib import Path

import numpy as np
import torch
import yaml

from optical_clir.data.synthetic.benchmark import BenchmarkSpec, training_triples
from optical_clir.data.synthetic.world import World
from optical_clir.evaluate.metrics import evaluate_run
from optical_clir.formats import (
    read_collection,
    read_queries,
    read_run,
    write_run,
)
from optical_clir.models.cross_encoder import (
    load_ranker,
    score_pairs,
    train_teacher,
)
from optical_clir.rerank import rerank
from optical_clir.specs import TeacherSpec

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config/simulation.yaml")
    parser.add_argument("--pooling", choices=["cls", "max"], default="max")
    parser.add_argument("--tie", action="store_true", help="teacher.tie_query_key")
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument(
        "--random-negatives", type=float, default=None, help="teacher.random_negatives"
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="model seed (default: the config's seed)"
    )
    parser.add_argument(
        "--encoder",
        type=Path,
        default=None,
        help="encoder to start from (default: the dataset's, of --seed)",
    )
    parser.add_argument("--plateau", type=float, default=0.66)
    parser.add_argument("--held-out", type=int, default=1000)
    parser.add_argument("--depth", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    config = yaml.safe_load(args.config.read_text())
    dataset, seed = config["dataset"], config["seed"]
    model_seed = seed if args.seed is None else args.seed
    encoder = (
        args.encoder
        or ROOT / "results" / dataset / "models" / f"seed{model_seed}" / "encoder"
    )
    res, out = ROOT / "resources" / dataset / "en", ROOT / "results" / dataset / "en2x"
    params = {**config["teacher"], "pooling": args.pooling}
    params["tie_query_key"] = args.tie
    params["steps"] = args.steps or params["steps"]
    params["lr"] = args.lr or params["lr"]
    params["checkpoint_every"] = params["steps"]
    if args.random_negatives is not None:
        params["random_negatives"] = args.random_negatives
    windows = LossWindows()
    logging.getLogger("optical_clir.models.trainer").addHandler(windows)
    logging.getLogger("optical_clir.models.trainer").setLevel(logging.INFO)
    spec = BenchmarkSpec.from_config(
        {**config["synthetic"], "train_queries": args.held_out}
    )
    world = World(spec.world, seed)
    held_out = training_triples(world, spec, seed, "held-out")[: args.held_out]
    cpu = torch.device("cpu")
    with tempfile.TemporaryDirectory() as tmp:
        stats = train_teacher(
            encoder,
            res / "triples.tsv",
            TeacherSpec.from_config(params),
            Path(tmp) / "teacher",
            Path(tmp) / "ck",
            model_seed,
            cpu,
        )
        teacher = Path(tmp) / "teacher"
        model, tokenizer = load_ranker(teacher)
        length = params["max_length"]
        # positives then negatives, scored in one call: (2 * len(held_out),)
        pairs = [(q, p) for q, p, _ in held_out] + [(q, n) for q, _, n in held_out]
        scores = score_pairs(model, tokenizer, pairs, 64, length, cpu, progress=False)
        pos, neg = np.split(scores, 2)
        reranked = rerank(
            read_run(out / "en" / "bm25.trec"),
            read_queries(res / "queries.tsv"),
            read_collection(res / "collection.tsv"),
            teacher,
            args.depth,
            64,
            length,
            cpu,
        )
        write_run(Path(tmp) / "run.trec", reranked, tag="probe")
        metrics, _ = evaluate_run(
            Path(tmp) / "run.trec", res / "qrels.txt", res / "queries.tsv"
        )
    bm25, _ = evaluate_run(
        out / "en" / "bm25.trec", res / "qrels.txt", res / "queries.tsv"
    )
    print(
        json.dumps(
            {
                "encoder": str(encoder),
                "model_seed": model_seed,
                "pooling": args.pooling,
                "random_negatives": params.get("random_negatives", 0),
                "left_plateau_at_step": windows.first_below(args.plateau),
                "loss_every_250_steps": windows.every(250),
                "tie_query_key": args.tie,
                "steps": params["steps"],
                "lr": params["lr"],
                "last_train_loss": stats["last_loss"],
                "held_out_pairwise_accuracy": float(np.mean(pos > neg)),
                "rerank_ndcg10": metrics["nDCG@10"],
                "bm25_ndcg10": bm25["nDCG@10"],
            },
            indent=2,
        )
    )


class LossWindows(logging.Handler):
    """Collects the trainer's logged window means: (step, loss) in order."""

    def __init__(self) -> None:
        super().__init__()
        self.points: list[tuple[int, float]] = []

    def emit(self, record: logging.LogRecord) -> None:
        # the trainer logs "%s step %d/%d loss %.4f" with (desc, step, total, mean)
        if record.msg.startswith("%s step") and len(record.args) == 4:
            _, step, _, mean = record.args
            self.points.append((int(step), float(mean)))

    def first_below(self, level: float) -> int | None:
        """The first logged step whose window mean is below ``level``."""
        return next((step for step, loss in self.points if loss < level), None)

    def every(self, stride: int) -> dict[int, float]:
        """The window means at every ``stride``-th step, rounded."""
        return {s: round(v, 3) for s, v in self.points if s % stride == 0}


if __name__ == "__main__":
    main()
