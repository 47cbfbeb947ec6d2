"""OPTICAL variants on the real-text tier, over several teacher seeds.

Where OPTICAL's design is decided on evidence (docs/optical_defaults.md). For
each seed, a teacher is trained on the tier's English triples (or reused from
``--work``), zero-shot reranking is measured per language, then every variant
distils one student per language from that teacher and reranks the same
candidates. Everything runs through the library's public functions
(``train_teacher``, ``distill``, ``rerank``, ``evaluate_run``), on the files the
workflow wrote for ``config/realtext.yaml``::

    snakemake -c 2 results/bible-e5/en2x/en/bm25.trec \\
        results/bible-e5/models/encoder --configfile config/realtext.yaml
    python bench/optical_variants.py --seeds 1 2 3 \\
        --variant "emb-l0:trainable=embeddings;layers=[0];lr=0.001" \\
        --variant "lower4:trainable=lower;lower_layers=4;layers=[4]"

A variant is ``name:key=value;...`` over the config's ``distill`` section
(values parsed as YAML); ``new_pieces=N`` is the language's ``new_pieces``
(words of the bitext added to the student's vocabulary); ``bitext_pairs=N``
draws the language's bitext afresh with N verse pairs of ``bible.bitext_books``
(all of them when N exceeds their count; the workflow's file holds only the
configured number). ``--precision``
(default: the config's) is that of distillation and of the two-tower encoding.

``--family late_interaction`` measures the two-tower students instead
(``distill.late_interaction`` applies): each ranks the whole collection in
each of ``--settings``, the student reading the target language and the
teacher English (en2x: the passages; x2en: the queries). The teacher of a seed
is the workflow's ``results/<dataset>/models/seed<k>/teacher_li`` when it
exists, so a screening reuses it::

    snakemake -c 2 all --configfile config/realtext.yaml
    python bench/optical_variants.py --family late_interaction --seeds 13 \\
        --langs hi sw --variant "l8:layers=[8]"

Its results are keyed ``<seed>/<setting>-<lang>/<variant>``.

Per-query nDCG@10 of every (seed, language, method) is written to ``--out``
(JSON); ``--report`` prints, per variant, the mean over seeds per language, the
mean paired difference with zero-shot and a randomisation test of the
per-query differences averaged over seeds (Holm-corrected across languages).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import yaml

from optical_clir.config import resolve_extends, validate_config
from optical_clir.data import bible
from optical_clir.distill import distill
from optical_clir.evaluate.analysis import holm, randomization_test
from optical_clir.evaluate.metrics import evaluate_run
from optical_clir.formats import (
    read_collection,
    read_queries,
    read_run,
    write_pairs,
    write_run,
)
from optical_clir.models.cross_encoder import train_teacher
from optical_clir.models.token_index import search
from optical_clir.models.towers import Towers
from optical_clir.rerank import rerank
from optical_clir.specs import DistillSpec, TeacherSpec, distill_section

ROOT = Path(__file__).resolve().parents[1]
CPU = torch.device("cpu")


def parse_variant(text: str) -> tuple[str, dict]:
    """``name:key=value;key=[a, b]`` -> (name, {key: value}); values are YAML."""
    name, _, body = text.partition(":")
    pairs = (part.partition("=") for part in body.split(";") if part.strip())
    return name, {key.strip(): yaml.safe_load(value) for key, _, value in pairs}


def ndcg_per_query(
    run, resources: Path, lang: str, work: Path, depth: int, queries="queries.tsv"
) -> dict:
    """Per-query nDCG@10 of ``run`` against the language's qrels."""
    path = work / f"{lang}.{time.perf_counter_ns()}.trec"
    write_run(path, run, tag="bench")
    _, per_query = evaluate_run(
        path,
        resources / lang / "qrels.txt",
        resources / lang / queries,
        recall_depth=depth,
    )
    path.unlink()
    return per_query["nDCG@10"].round(6).to_dict()


class TwoTowerScorer:
    """Full ranking by the late-interaction family: the target language read by
    ``model_dir``, English by the seed's teacher (its English passage vectors
    encoded once)."""

    def __init__(
        self, config: dict, resources: Path, work: Path, teacher: Path, precision: str
    ):
        self.config, self.resources, self.work = config, resources, work
        self.precision = precision
        self.teacher = teacher
        self.english = None

    def _encode(self, model_dir: Path, lang: str):
        spec = self.config["rerank"]
        collection = read_collection(self.resources / lang / "collection.tsv")
        return Towers.load(model_dir).encode_passages(
            collection, spec["max_length"], spec["batch_size"], CPU, self.precision
        )

    def __call__(self, model_dir: Path, key: str) -> dict:
        setting, lang = key.split("-", 1)
        spec = self.config["rerank"]
        if setting == "en2x":
            queries = read_queries(self.resources / lang / "queries_en.tsv")
            query_model, passages = self.teacher, self._encode(model_dir, lang)
        else:
            queries = read_queries(self.resources / lang / "queries.tsv")
            if self.english is None:
                self.english = self._encode(self.teacher, "en")
            query_model, passages = model_dir, self.english
        query_vectors = Towers.load(query_model).encode_queries(
            queries, spec["max_length"], spec["batch_size"], CPU, self.precision
        )
        exclude = self.config["bible"]["task"] == "crossref"
        run = search(query_vectors, passages, spec["depth"], exclude_self=exclude)
        queries_file = "queries_en.tsv" if setting == "en2x" else "queries.tsv"
        return ndcg_per_query(
            run, self.resources, lang, self.work, spec["depth"], queries_file
        )


def bible_bitext(config: dict, lang: str, pairs: int, work: Path) -> Path:
    """The language's bitext drawn afresh with ``pairs`` verse pairs (the data
    seed's sample, as the workflow draws it), written once under ``work``."""
    path = work / f"bitext-{lang}-{pairs}-seed{config['seed']}.tsv"
    if not path.exists():
        params = config["bible"]
        code = bible.translation_of(lang, params)
        write_pairs(path, bible.parallel_verses(params, code, pairs, config["seed"]))
    return path


def run_variants(args, config: dict) -> dict:
    dataset = config["dataset"]
    resources = args.root / "resources" / dataset
    models = args.root / "results" / dataset / "models"
    candidates = read_run(args.root / "results" / dataset / "en2x" / "en" / "bm25.trec")
    depth = config["rerank"]["depth"]
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    results = json.loads(args.out.read_text()) if args.out.exists() else {}
    queries = read_queries(resources / "en" / "queries_en.tsv")
    late = args.family == "late_interaction"
    suffix = "_li" if late else ""
    keys = (
        [f"{s}-{lang}" for s in args.settings for lang in args.langs]
        if late
        else args.langs
    )

    def score(model_dir: Path, lang: str) -> dict:
        if late:
            return two_towers(model_dir, lang)
        collection = read_collection(resources / lang / "collection.tsv")
        run = rerank(
            candidates,
            queries,
            collection,
            model_dir,
            depth,
            config["rerank"]["batch_size"],
            config["rerank"]["max_length"],
            CPU,
        )
        return ndcg_per_query(run, resources, lang, work, depth)

    def save() -> None:
        args.out.write_text(json.dumps(results, indent=1, sort_keys=True))

    section = distill_section(config["distill"], args.family)
    for seed in args.seeds:
        teacher = models / f"seed{seed}" / f"teacher{suffix}"
        if not (late and teacher.exists()):
            teacher = work / f"teacher{suffix}-s{seed}"
        if not teacher.exists():
            began = time.perf_counter()
            train_teacher(
                models / "encoder",
                resources / "en" / "triples.tsv",
                TeacherSpec.from_config(config["teacher"]),
                teacher,
                work / f"ck-teacher{suffix}-s{seed}",
                seed,
                CPU,
                family=args.family,
            )
            print(f"teacher seed {seed}: {time.perf_counter() - began:.0f} s")
        two_towers = TwoTowerScorer(config, resources, work, teacher, args.precision)
        for lang in [] if late else ["en"]:
            if f"s{seed}/en/teacher" not in results:
                results[f"s{seed}/en/teacher"] = score(teacher, lang)
                save()
        for lang in keys:
            if f"s{seed}/{lang}/zeroshot" not in results:
                results[f"s{seed}/{lang}/zeroshot"] = score(teacher, lang)
                save()
        for name, changes in args.variants:
            changes = dict(changes)
            new_pieces = int(changes.pop("new_pieces", 0))
            bitext_pairs = changes.pop("bitext_pairs", None)
            bitext_pairs = None if bitext_pairs is None else int(bitext_pairs)
            params = DistillSpec.from_config({**section, **changes})
            for lang in args.langs:
                if late and all(
                    f"s{seed}/{k}-{lang}/{name}" in results for k in args.settings
                ):
                    continue
                key = f"s{seed}/{lang}/{name}"
                if key in results:
                    continue
                began = time.perf_counter()
                student = work / f"{name}-{lang}-s{seed}"
                bitext = resources / lang / "bitext.tsv"
                if bitext_pairs is not None:
                    bitext = bible_bitext(config, lang, bitext_pairs, work)
                stats = distill(
                    teacher,
                    bitext,
                    params,
                    student,
                    work / f"ck-{name}-{lang}-s{seed}",
                    seed,
                    CPU,
                    precision=args.precision,
                    new_pieces=new_pieces,
                    bitext_pairs=bitext_pairs
                    or next(
                        x["bitext_pairs"]
                        for x in config["languages"]
                        if x["name"] == lang
                    ),
                )
                seconds = time.perf_counter() - began
                for scored in (
                    [f"{k}-{lang}" for k in args.settings] if late else [lang]
                ):
                    key = f"s{seed}/{scored}/{name}"
                    results[key] = score(student, scored)
                    results[f"{key}/stats"] = {
                        k: v for k, v in stats.items() if k != "collapse_history"
                    }
                    results[f"{key}/stats"]["distill_seconds"] = seconds
                    save()
                    zeroshot = results[f"s{seed}/{scored}/zeroshot"]
                    print(
                        f"seed {seed} {scored} {name}: nDCG@10 "
                        f"{np.mean(list(results[key].values())):.4f} (zero-shot "
                        f"{np.mean(list(zeroshot.values())):.4f}), gap ratio "
                        f"{stats.get('heldout_gap_ratio', float('nan')):.2f}"
                    )
    return results


def report(
    results: dict,
    langs: list[str],
    permutations: int = 10000,
    against: str = "zeroshot",
) -> pd.DataFrame:
    """Mean over seeds per (variant, language), paired test against ``against``
    (zero-shot, or another variant)."""
    seeds = sorted({k.split("/")[0] for k in results})
    names = sorted(
        {k.split("/")[2] for k in results if k.count("/") == 2} - {"teacher"}
    )
    rows = []
    for name in names:
        for lang in langs:
            keys = [f"{s}/{lang}/{name}" for s in seeds]
            zs = [f"{s}/{lang}/{against}" for s in seeds]
            if not all(k in results for k in keys + zs):
                continue
            # seeds run with different data seeds (``--config seed=K``) sample
            # different queries: the test is on the queries common to all
            qids = sorted(set.intersection(*(set(results[k]) for k in keys + zs)))
            x = np.array([[results[k][q] for q in qids] for k in keys]).mean(0)
            y = np.array([[results[k][q] for q in qids] for k in zs]).mean(0)
            rows.append(
                {
                    "variant": name,
                    "lang": lang,
                    "seeds": len(seeds),
                    "queries": len(qids),
                    "ndcg": x.mean(),
                    "delta_per_seed": [
                        round(
                            float(
                                np.mean(list(results[k].values()))
                                - np.mean(list(results[z].values()))
                            ),
                            4,
                        )
                        for k, z in zip(keys, zs, strict=True)
                    ],
                    "delta": (x - y).mean(),
                    "p": randomization_test(x, y, permutations, 0),
                    "per_seed": [
                        round(float(np.mean(list(results[k].values()))), 4)
                        for k in keys
                    ],
                }
            )
    frame = pd.DataFrame(rows)
    if len(frame):
        frame["p_holm"] = frame.groupby("variant")["p"].transform(
            lambda p: holm(p.tolist())
        )
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config/realtext.yaml")
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="where the workflow ran"
    )
    parser.add_argument("--langs", nargs="+", default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--variant", action="append", default=[])
    parser.add_argument(
        "--family",
        choices=["cross_encoder", "late_interaction"],
        default="cross_encoder",
    )
    parser.add_argument("--settings", nargs="+", default=["en2x", "x2en"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--precision",
        choices=["auto", "fp32", "bf16", "fp16"],
        default=None,
        help="of distillation and encoding (default: the config's precision)",
    )
    parser.add_argument(
        "--work", type=Path, default=ROOT / "benchmarks" / "optical_variants"
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "optical_variants.json"
    )
    parser.add_argument("--report", action="store_true", help="only print the report")
    parser.add_argument(
        "--against",
        default="zeroshot",
        help="what the report tests each variant against (zeroshot or a variant)",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    config = resolve_extends(
        yaml.safe_load(args.config.read_text()), ROOT, str(args.config)
    )
    validate_config(config, ROOT / "workflow/schemas/config.schema.yaml")
    args.precision = args.precision or config["precision"]
    args.langs = args.langs or [x["name"] for x in config["languages"]]
    args.variants = [parse_variant(v) for v in args.variant]
    results = (
        json.loads(args.out.read_text()) if args.report else run_variants(args, config)
    )
    pd.set_option("display.width", 160)
    late = args.family == "late_interaction"
    keys = (
        [f"{s}-{x}" for s in args.settings for x in args.langs] if late else args.langs
    )
    frame = report(results, keys, against=args.against)
    print(frame.round(4).to_string(index=False))
    seeds = sorted({k.split("/")[0] for k in results})
    for lang in keys if late else ["en", *args.langs]:
        method = "teacher" if lang == "en" else "zeroshot"
        values = [
            np.mean(list(results[f"{s}/{lang}/{method}"].values()))
            for s in seeds
            if f"{s}/{lang}/{method}" in results
        ]
        print(f"{lang} {method}: per seed {np.round(values, 4).tolist()}")


if __name__ == "__main__":
    main()
