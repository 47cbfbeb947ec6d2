"""What a smaller tiny BERT costs and gives: MLM pretraining and the English
teacher with another width, then ``teacher_en`` on English BM25 candidates.

Reuses a finished demo (its tokenizer, pretraining corpora, triples and BM25
run: ``snakemake -c 2 all`` first) and the workflow's own training functions;
only ``model.hidden``, ``model.intermediate``, ``model.layers`` and the step
counts are overridden. Writes ``benchmarks/model_size.json``.

Usage::

    python bench/model_size.py --hidden 64 --intermediate 256
"""

from __future__ import annotations

import argparse
import copy
import json
import tempfile
import time
from pathlib import Path

import torch

from optical_clir.atomic import write_text
from optical_clir.config import SCHEMA, load_yaml, validate_config
from optical_clir.evaluate.metrics import PRIMARY, evaluate_run
from optical_clir.formats import read_collection, read_queries, read_run, write_run
from optical_clir.models.cross_encoder import train_teacher
from optical_clir.models.encoder import pretrain_mlm
from optical_clir.models.runtime import set_threads
from optical_clir.rerank import rerank
from optical_clir.specs import PretrainSpec, RerankSpec, TeacherSpec

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config/simulation.yaml")
    parser.add_argument("--hidden", type=int, required=True)
    parser.add_argument("--intermediate", type=int, required=True)
    parser.add_argument("--layers", type=int, default=None)
    parser.add_argument("--pretrain-steps", type=int, default=None)
    parser.add_argument("--teacher-steps", type=int, default=None)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/model_size.json")
    args = parser.parse_args()
    config = validate_config(load_yaml(args.config), SCHEMA, str(args.config))
    seed, dataset, pivot = config["seeds"][0], config["dataset"], "en"
    model = copy.deepcopy(config["model"])
    model.update(hidden=args.hidden, intermediate=args.intermediate)
    if args.layers:
        model["layers"] = args.layers
    if args.pretrain_steps:
        model["pretrain"]["steps"] = args.pretrain_steps
    teacher = dict(config["teacher"])
    if args.teacher_steps:
        teacher["steps"] = args.teacher_steps
    data, results = ROOT / "resources" / dataset, ROOT / "results" / dataset
    langs = [pivot, *(lang["name"] for lang in config["languages"])]
    set_threads(args.threads)
    device = torch.device("cpu")
    out: dict[str, object] = {
        "hidden": args.hidden,
        "intermediate": args.intermediate,
        "layers": model["layers"],
        "pretrain_steps": model["pretrain"]["steps"],
        "teacher_steps": teacher["steps"],
        "threads": args.threads,
        "seed": seed,
    }
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        start = time.perf_counter()
        pretrain_mlm(
            results / "models" / "tokenizer",
            [data / lang / "pretrain.txt" for lang in langs],
            model,
            PretrainSpec.from_config(model["pretrain"]),
            work / "encoder",
            work / "checkpoints-encoder",
            seed,
            device,
        )
        out["pretrain_s"] = time.perf_counter() - start
        start = time.perf_counter()
        train_teacher(
            work / "encoder",
            data / pivot / "triples.tsv",
            TeacherSpec.from_config(teacher),
            work / "teacher",
            work / "checkpoints-teacher",
            seed,
            device,
        )
        out["teacher_s"] = time.perf_counter() - start
        spec = RerankSpec.from_config(config["rerank"])
        scores = rerank(
            read_run(results / pivot / "bm25.trec"),
            read_queries(data / pivot / "queries.tsv"),
            read_collection(data / pivot / "collection.tsv"),
            work / "teacher",
            spec.depth,
            spec.batch_size,
            spec.max_length,
            device,
        )
        write_run(work / "teacher_en.trec", scores, tag="teacher_en")
        for name, run in [
            ("teacher_en", work / "teacher_en.trec"),
            ("bm25", results / pivot / "bm25.trec"),
        ]:
            summary, _ = evaluate_run(
                run, data / pivot / "qrels.txt", data / pivot / "queries.tsv"
            )
            out[f"{name}_{PRIMARY}"] = summary[PRIMARY]
    print(json.dumps(out, indent=2))
    write_text(args.out, json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
