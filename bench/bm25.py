"""Benchmark: Lucene BM25 through Pyserini against bm25s, on synthetic collections.

For each collection size, this script generates the synthetic English pivot
(``optical_clir.data.synthetic``), then measures, each engine in its own child process
so that peak memory (the worker's own ``VmHWM``) is per engine and phase:

- indexing throughput (passages/s; Pyserini: Lucene ``IndexCollection`` with the
  workflow's whitespace pre-tokenisation; bm25s: ``BM25.index`` on the same tokens),
- search throughput (queries/s, top-100) with 1 and 2 threads, timing the search
  call only (not JVM start-up or index loading),
- nDCG@10 of both runs with the workflow's evaluator, and their top-10 overlap.

Usage::

    python bench/bm25.py --sizes 10000 100000 1000000 --repeats 3 \
        --out benchmarks/bm25.json

The median over ``--repeats`` runs is reported; write the figures to
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

K1, B, DEPTH = 0.82, 0.68, 100


def _generate(root: Path, passages: int, queries: int, seed: int) -> dict[str, Path]:
    from optical_clir.data.synthetic.benchmark import BenchmarkSpec, generate_pivot
    from optical_clir.data.synthetic.world import WorldSpec

    out = {
        k: root / f"{k}.tsv"
        for k in ["collection", "queries", "queries_en", "qrels", "triples", "pretrain"]
    }
    spec = BenchmarkSpec(
        world=WorldSpec(),
        passages=passages,
        train_queries=0,
        test_queries=queries,
        pretrain_passages=0,
    )
    generate_pivot(spec, seed, out)
    return out


def _worker(args: argparse.Namespace) -> None:
    """One measured phase in this (child) process; prints a JSON line."""
    from optical_clir.bm25 import build_index, pretokenize, search
    from optical_clir.formats import read_collection, read_queries, write_run

    queries = read_queries(args.queries_file)
    result: dict[str, float] = {}
    if args.phase == "pyserini-index":
        start = time.perf_counter()
        n = build_index(args.collection, args.index, "whitespace", threads=args.threads)
        result["seconds"] = time.perf_counter() - start
        result["rate"] = n / result["seconds"]
    elif args.phase == "pyserini-search":
        search(args.index, dict(list(queries.items())[:5]), "whitespace", K1, B, DEPTH)
        start = time.perf_counter()
        run = search(args.index, queries, "whitespace", K1, B, DEPTH, args.threads)
        result["seconds"] = time.perf_counter() - start
        result["rate"] = len(queries) / result["seconds"]
        write_run(args.run, run, tag="pyserini")
    else:
        import bm25s

        docs = read_collection(args.collection)
        docids = list(docs)
        start = time.perf_counter()
        tokens = [pretokenize(docs[d]).split() for d in docids]
        model = bm25s.BM25(k1=K1, b=B, method="lucene")
        model.index(tokens, show_progress=False)
        index_seconds = time.perf_counter() - start
        qids = list(queries)
        qtokens = [pretokenize(queries[q]).split() for q in qids]
        start = time.perf_counter()
        ids, scores = model.retrieve(
            qtokens, k=DEPTH, show_progress=False, n_threads=args.threads
        )
        search_seconds = time.perf_counter() - start
        if args.phase == "bm25s-index":
            result["seconds"] = index_seconds
            result["rate"] = len(docids) / index_seconds
        else:
            result["seconds"] = search_seconds
            result["rate"] = len(qids) / search_seconds
            run = {
                q: {
                    docids[int(i)]: float(s)
                    for i, s in zip(ids[r], scores[r], strict=True)
                    if s > 0
                }
                for r, q in enumerate(qids)
            }
            write_run(args.run, run, tag="bm25s")
    result["peak_rss_mib"] = _vm_hwm_mib()
    print("RESULT " + json.dumps(result), flush=True)


def _vm_hwm_mib() -> float:
    """Peak resident memory of this process (VmHWM; reset at exec, unlike the
    ru_maxrss that wait4 reports, which keeps the forking parent's peak)."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _measure(phase: str, paths: dict, workdir: Path, threads: int, run: Path) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--phase",
        phase,
        "--collection",
        str(paths["collection"]),
        "--queries-file",
        str(paths["queries"]),
        "--index",
        str(workdir / "index"),
        "--run",
        str(run),
        "--threads",
        str(threads),
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    stdout, stderr = proc.stdout.read(), proc.stderr.read()
    _, status, _ = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{phase} failed with exit code {code}:\n{stderr[-3000:]}")
    line = next(x for x in stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def _overlap(a: dict, b: dict, k: int = 10) -> float:
    def top(scores):
        return set(sorted(scores, key=lambda d: (-scores[d], d))[:k])

    shared = [len(top(a[q]) & top(b.get(q, {}))) / k for q in a if a[q]]
    return statistics.fmean(shared)


def _bench_size(size: int, queries: int, repeats: int, seed: int) -> dict:
    from optical_clir.evaluate.metrics import evaluate_run
    from optical_clir.formats import read_run

    with tempfile.TemporaryDirectory(prefix=f"bm25-{size}-") as tmp:
        work = Path(tmp)
        start = time.perf_counter()
        paths = _generate(work, size, queries, seed)
        print(f"[{size}] generated in {time.perf_counter() - start:.0f}s", flush=True)
        rows: dict[str, list[dict]] = {}
        plan = [
            ("pyserini-index", 2),
            ("pyserini-search", 1),
            ("pyserini-search", 2),
            ("bm25s-index", 1),
            ("bm25s-search", 1),
            ("bm25s-search", 2),
        ]
        for _ in range(repeats):
            for phase, threads in plan:
                if phase == "pyserini-index":
                    subprocess.run(["rm", "-rf", str(work / "index")], check=True)
                run = work / f"{phase}-{threads}.trec"
                result = _measure(phase, paths, work, threads, run)
                rows.setdefault(f"{phase}@{threads}", []).append(result)
                print(f"[{size}] {phase}@{threads}: {result}", flush=True)
        summary = {
            key: {
                name: statistics.median(r[name] for r in results) for name in results[0]
            }
            for key, results in rows.items()
        }
        quality = {}
        for engine in ("pyserini", "bm25s"):
            run = work / f"{engine}-search-1.trec"
            quality[engine] = evaluate_run(run, paths["qrels"], paths["queries"])[0][
                "nDCG@10"
            ]
        quality["top10_overlap"] = _overlap(
            read_run(work / "pyserini-search-1.trec"),
            read_run(work / "bm25s-search-1.trec"),
        )
    return {"passages": size, "queries": queries, "phases": summary, "ndcg@10": quality}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "bm25.json")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    for hidden in ("--collection", "--queries-file", "--index", "--run"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        _worker(args)
        return
    results = [
        _bench_size(n, args.queries, args.repeats, args.seed) for n in args.sizes
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
