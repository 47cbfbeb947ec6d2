"""Compute cost of the real run, per stage, from throughput measured on this machine.

It builds a randomly initialised model with mBERT's architecture (12 layers,
hidden 768, 119,547 word pieces; no download), measures on the chosen device

- teacher training: triples/s (pairwise loss, forward + backward + AdamW step),
- OPTICAL distillation: bitext pairs/s (frozen teacher forward, student forward +
  backward, batched Sinkhorn on the last layer),
- reranking: (query, passage) pairs/s under ``torch.inference_mode``,

with the sequence lengths and batch sizes of ``config/mmarco.yaml``, and
multiplies by that config's work (steps x batch, queries x depth x methods x
languages) to print device-hours per stage. Run it on the GPU node you will use;
the CPU figures of this repository's machine are in docs/real_run.md.

Usage::

    python bench/real_costs.py --config config/mmarco.yaml --device cuda --repeats 3
    python bench/real_costs.py --config config/ciral.yaml --device cuda --repeats 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch
import yaml

from optical_clir.ot import cosine_cost, ot_loss, uniform_marginals

ROOT = Path(__file__).resolve().parents[1]

DEV_QUERIES = 6980
#: CIRAL v1.0 queries per split and language (ciralproject/ciral README)
CIRAL_QUERIES = {
    "dev": {"ha": 10, "so": 10, "sw": 10, "yo": 10},
    "test-a": {"ha": 80, "so": 99, "sw": 85, "yo": 100},
    "test-b": {"ha": 312, "so": 239, "sw": 113, "yo": 554},
}
MBERT = dict(
    vocab_size=119547,
    hidden_size=768,
    num_hidden_layers=12,
    num_attention_heads=12,
    intermediate_size=3072,
)


def _model(device: torch.device):
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    config = BertConfig(**MBERT, num_labels=1)
    return BertForSequenceClassification(config).to(device)


def _batch(batch: int, length: int, device: torch.device) -> dict:
    ids = torch.randint(1000, MBERT["vocab_size"], (batch, length), device=device)
    return {"input_ids": ids, "attention_mask": torch.ones_like(ids)}


def _timed(fn, repeats: int, device: torch.device) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize()
        began = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def measure(cfg: dict, device: torch.device, repeats: int, scale: int) -> dict:
    """Items/s of the three neural stages (batch sizes divided by ``scale``)."""
    model = _model(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5)
    tb = max(cfg["teacher"]["batch_size"] // scale, 1)
    tl = cfg["teacher"]["max_length"]

    def teacher_step():
        logits = model(**_batch(2 * tb, tl, device)).logits.view(2, tb).T
        loss = torch.nn.functional.cross_entropy(
            logits, torch.zeros(tb, dtype=torch.long, device=device)
        )
        loss.backward()
        opt.step()
        opt.zero_grad()

    teacher = tb / _timed(teacher_step, repeats, device)

    db = max(cfg["distill"]["batch_size"] // scale, 1)
    dl = cfg["distill"]["max_length"]
    frozen = _model(device).eval()
    d = cfg["distill"]

    def distill_step():
        en, fx = _batch(db, dl, device), _batch(db, dl, device)
        with torch.no_grad():
            t_last = frozen.bert(**en).last_hidden_state
        s_last = model.bert(**fx).last_hidden_state
        mask = fx["attention_mask"].bool()
        loss = ot_loss(
            cosine_cost(s_last.float(), t_last.float()),
            uniform_marginals(mask),
            uniform_marginals(mask),
            d["reg"],
            grad_mode=d["grad_mode"],
            max_iter=d["max_iter"],
            tol=d["tol"],
        )
        loss.mean().backward()
        opt.step()
        opt.zero_grad()

    distill = db / _timed(distill_step, repeats, device)

    rb = max(cfg["rerank"]["batch_size"] // scale, 1)
    rl = cfg["rerank"]["max_length"]
    model.eval()

    def rerank_step():
        with torch.inference_mode():
            model(**_batch(rb, rl, device))

    rerank = rb / _timed(rerank_step, repeats, device)
    return {
        "teacher_triples_per_s": teacher,
        "distill_pairs_per_s": distill,
        "rerank_pairs_per_s": rerank,
    }


def _fwd_flops(length: int) -> float:
    """Forward FLOPs per token of an mBERT-sized encoder at sequence ``length``:
    2 x non-embedding weights plus attention scores and mixing (4 x L x d per
    layer); LayerNorm, softmax and biases are ignored."""
    d, ff, layers = MBERT["hidden_size"], MBERT["intermediate_size"], 12
    weights = layers * (4 * d * d + 2 * d * ff)
    return 2 * weights + 4 * layers * length * d


def work(cfg: dict) -> dict:
    """Per stage: items (triples, bitext pairs, query-passage pairs) of the whole
    run and FLOPs per item (at full sequence length: an upper bound, since
    batches are padded only to their longest sequence)."""
    t, d, r = cfg["teacher"], cfg["distill"], cfg["rerank"]
    langs = len(cfg["languages"])
    tl, dl, rl = t["max_length"], d["max_length"], r["max_length"]
    if cfg.get("source") == "ciral":  # 3 reranked runs a language, no English row
        split = (cfg.get("ciral") or {}).get("split", "test-a")
        pairs = sum(CIRAL_QUERIES[split][x["name"]] for x in cfg["languages"])
        pairs *= r["depth"] * 3
    else:
        queries = cfg["mmarco"].get("max_queries") or DEV_QUERIES
        pairs = queries * r["depth"] * (3 * langs + 1)
    return {
        "train_teacher": (
            t["steps"] * t["batch_size"] * t.get("grad_accum", 1),
            2 * tl * 3 * _fwd_flops(tl),
        ),  # 2 sequences, fwd + bwd
        "distill_ot (all languages)": (
            langs * d["steps"] * d["batch_size"] * d.get("grad_accum", 1),
            dl * 4 * _fwd_flops(dl),
        ),  # frozen teacher fwd + student fwd/bwd
        "rerank (all runs)": (pairs, rl * _fwd_flops(rl)),
    }


RATE_KEYS = ("teacher_triples_per_s", "distill_pairs_per_s", "rerank_pairs_per_s")


def hours(cfg: dict, rates: dict) -> dict:
    """Device-hours per stage on the measured device."""
    return {
        stage: items / rates[key] / 3600
        for (stage, (items, _)), key in zip(work(cfg).items(), RATE_KEYS, strict=True)
    }


def achieved_tflops(cfg: dict, rates: dict) -> dict:
    """TFLOP/s the measured device sustained per stage (checks the FLOP model)."""
    return {
        stage: rates[key] * flops / 1e12
        for (stage, (_, flops)), key in zip(work(cfg).items(), RATE_KEYS, strict=True)
    }


def estimated_hours(cfg: dict, peak_tflops: float, utilisation: float) -> dict:
    """Hours per stage on a device of ``peak_tflops`` used at ``utilisation``."""
    rate = peak_tflops * 1e12 * utilisation
    return {
        stage: items * flops / rate / 3600
        for stage, (items, flops) in work(cfg).items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", default=str(ROOT / "config" / "mmarco.yaml"))
    parser.add_argument(
        "--device", default="cuda" if torch.cuda.is_available() else "cpu"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--scale",
        type=int,
        default=1,
        help="divide batch sizes by this (a CPU cannot hold them)",
    )
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument(
        "--peak-tflops",
        type=float,
        default=989.0,
        help="dense bf16 peak of the GPU to estimate for (H100 SXM)",
    )
    parser.add_argument(
        "--utilisation",
        type=float,
        default=0.3,
        help="assumed share of that peak a BERT-base job sustains",
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = yaml.safe_load(Path(args.config).read_text())
    device = torch.device(args.device)
    rates = measure(cfg, device, args.repeats, args.scale)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(
        json.dumps(
            {
                "device": name,
                "threads": torch.get_num_threads(),
                "batch_scale": args.scale,
                **{k: round(v, 2) for k, v in rates.items()},
                "hours": {k: round(v, 1) for k, v in hours(cfg, rates).items()},
                "achieved_tflops": {
                    k: round(v, 3) for k, v in achieved_tflops(cfg, rates).items()
                },
                "estimate": f"{args.peak_tflops:g} TFLOP/s x {args.utilisation:g}",
                "estimated_hours": {
                    k: round(v, 2)
                    for k, v in estimated_hours(
                        cfg, args.peak_tflops, args.utilisation
                    ).items()
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
