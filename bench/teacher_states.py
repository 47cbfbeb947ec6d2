"""Benchmark: OPTICAL distillation with the teacher's states of the English
bitext computed once (``distill.share_teacher_states``) against computed at
every step and guard check.

Runs the library's own :func:`~optical_clir.distill.distill` on one language's
bitext with a config's ``distill`` settings (the family's, ``--family``), for
``--steps`` steps (the config's when omitted), alternating the two ways
``--repeats`` times in one process; and :func:`encode_bitext_states` over the
bitext files given (what rule ``encode_teacher_bitext`` does once per seed).
Prints JSON (median seconds, the ratio, and how far the two students' losses
are apart); ``--out`` saves it::

    python bench/teacher_states.py --config config/config.yaml \\
        --teacher results/bible-e5/models/seed13/teacher_li \\
        --bitexts resources/bible-e5/{de,fr,hi,sw,ny}/bitext.tsv --lang ny
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch
from timing import write_json

from optical_clir.config import SCHEMA, load_yaml, resolve_extends, validate_config
from optical_clir.distill import distill, encode_bitext_states
from optical_clir.models.runtime import precision_in_use, set_threads
from optical_clir.specs import DistillSpec, distill_section

ROOT = Path(__file__).resolve().parents[1]
CPU = torch.device("cpu")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config/config.yaml")
    parser.add_argument("--family", default="late_interaction")
    parser.add_argument("--teacher", type=Path, required=True)
    parser.add_argument("--bitexts", type=Path, nargs="+", required=True)
    parser.add_argument("--lang", required=True, help="the language distilled")
    parser.add_argument("--steps", type=int)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks/teacher_states.json"
    )
    args = parser.parse_args()
    config = validate_config(resolve_extends(load_yaml(args.config), ROOT), SCHEMA)
    section = distill_section(config["distill"], args.family)
    if args.steps:
        section["steps"] = args.steps
    spec = DistillSpec.from_config(section)
    langs = {path.parent.name: path for path in args.bitexts}
    entries = {entry["name"]: entry for entry in config["languages"]}
    budgets = [entries[lang]["bitext_pairs"] for lang in langs]
    precision, seed = config["precision"], int(config["seed"])
    set_threads(args.threads)
    work = Path(tempfile.mkdtemp(prefix="teacher_states_"))
    states = work / "states.safetensors"
    began = time.perf_counter()
    encode_bitext_states(
        args.teacher, list(langs.values()), budgets, spec, states, seed, CPU, precision
    )
    encode_s = time.perf_counter() - began
    times: dict[str, list[float]] = {"per_step": [], "shared": []}
    losses: dict[str, float] = {}
    for repeat in range(args.repeats):
        for way in times:
            out = work / f"{way}-{repeat}"
            began = time.perf_counter()
            stats = distill(
                args.teacher,
                langs[args.lang],
                spec,
                out,
                work / f"ckpt-{way}-{repeat}",
                seed,
                CPU,
                precision,
                bitext_pairs=budgets[list(langs).index(args.lang)],
                teacher_states=states if way == "shared" else None,
            )
            times[way].append(time.perf_counter() - began)
            losses[way] = float(stats["last_loss"])
    median = {way: statistics.median(t) for way, t in times.items()}
    result = {
        "config": str(args.config),
        "teacher": str(args.teacher),
        "lang": args.lang,
        "languages": list(langs),
        "steps": spec.steps,
        "threads": args.threads,
        "precision": precision_in_use(CPU, precision),
        "repeats": args.repeats,
        "encode_states_s": round(encode_s, 2),
        "distill_per_step_s": round(median["per_step"], 2),
        "distill_shared_s": round(median["shared"], 2),
        "ratio": round(median["per_step"] / median["shared"], 3),
        "all_s": {way: [round(t, 2) for t in ts] for way, ts in times.items()},
        "last_loss": losses,
    }
    write_json(result, args.out)


if __name__ == "__main__":
    main()
