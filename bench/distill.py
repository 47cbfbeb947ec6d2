"""Benchmark: one OPTICAL distillation step, split into encoders and OT.

The step is the library's own: :class:`~optical_clir.distill.OpticalLoss`
(``encode`` for each side, ``transport`` for the Sinkhorn solves of every
aligned layer) and :class:`~optical_clir.models.trainer.Optimisation` (backward,
clipping, AdamW, schedule), with the ``distill`` settings of a config
(overridable below). Times, per step (median over steps after warm-up): the
teacher's forward pass (no grad), the student's, the OT, the backward pass and
update. The OT share is OT / whole step.

Usage::

    python bench/distill.py --teacher results/synthetic-demo/models/seed13/teacher \
        --bitext resources/synthetic-demo/okhali/bitext.tsv --steps 20
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from timing import Phases, write_json

from optical_clir.config import load_yaml
from optical_clir.distill import OpticalLoss, idf_table, set_trainable
from optical_clir.formats import read_bitext
from optical_clir.models.cross_encoder import load_ranker
from optical_clir.models.runtime import autocast
from optical_clir.models.trainer import Optimisation, TrainSpec
from optical_clir.specs import DistillSpec

ROOT = Path(__file__).resolve().parents[1]
WARMUP = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--teacher",
        type=Path,
        default=ROOT / "results/synthetic-demo/models/seed13/teacher",
    )
    parser.add_argument(
        "--bitext",
        type=Path,
        default=ROOT / "resources/synthetic-demo/okhali/bitext.tsv",
    )
    parser.add_argument("--config", type=Path, default=ROOT / "config/simulation.yaml")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--max-length", type=int)
    parser.add_argument("--layers", type=int, nargs="+")
    parser.add_argument("--trainable", choices=["all", "embeddings", "lower"])
    parser.add_argument("--lower-layers", type=int)
    parser.add_argument("--reg", type=float)
    parser.add_argument("--grad-mode")
    parser.add_argument("--precision", default="auto")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "distill.json"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    overrides = {
        "batch_size": args.batch_size,
        "max_length": args.max_length,
        "layers": args.layers,
        "trainable": args.trainable,
        "lower_layers": args.lower_layers,
        "reg": args.reg,
        "grad_mode": args.grad_mode,
    }
    section = load_yaml(args.config).get("distill") or {}
    spec = DistillSpec.from_config(
        {**section, **{k: v for k, v in overrides.items() if v is not None}}
    )
    teacher, tokenizer = load_ranker(args.teacher)
    student, _ = load_ranker(args.teacher)
    set_trainable(student, spec)
    pairs = read_bitext(args.bitext)
    idf = None
    if spec.marginals == "idf":
        idf = idf_table(tokenizer, [e for e, _ in pairs] + [f for _, f in pairs])
    loss = OpticalLoss(teacher, student, tokenizer, spec, device, idf)
    student.to(device).train()
    opt = Optimisation(student, TrainSpec.from_stage(spec), device, args.precision)
    phases = Phases(device)
    for step in range(args.steps + WARMUP):
        start = step * spec.batch_size % max(1, len(pairs) - spec.batch_size)
        batch = pairs[start : start + spec.batch_size]
        english, foreign = [e for e, _ in batch], [f for _, f in batch]
        with autocast(device, opt.dtype):
            with phases("teacher"), torch.no_grad():
                teacher_side = loss.encode(teacher, english)
            with phases("student"):
                student_side = loss.encode(student, foreign)
            with phases("ot"):
                total = loss.transport(teacher_side, student_side).mean()
        with phases("backward_and_update"):
            opt.backward(total)
            opt.update()
        phases.next_row()
    result = phases.medians(skip=WARMUP)
    result["ot_share"] = result["ot"] / result["step"]
    result.update(
        device=str(device),
        threads=args.threads,
        batch=spec.batch_size,
        layers=list(spec.layers),
        grad_mode=spec.grad_mode,
        trainable=spec.trainable,
    )
    write_json(result, args.out)


if __name__ == "__main__":
    main()
