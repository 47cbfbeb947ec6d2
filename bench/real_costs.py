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
from pathlib import Path

import torch
import yaml
from timing import median_seconds

from optical_clir.distill import OpticalLoss, set_trainable
from optical_clir.models.cross_encoder import pairwise_loss
from optical_clir.models.runtime import autocast, autocast_dtype
from optical_clir.models.trainer import Optimisation, TrainSpec
from optical_clir.specs import DistillSpec, RerankSpec, TeacherSpec

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


def _model(device: torch.device, arch: dict):
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    config = BertConfig(**arch, num_labels=1)
    return BertForSequenceClassification(config).to(device)


def _batch(batch: int, length: int, device: torch.device, vocab: int) -> dict:
    ids = torch.randint(min(1000, vocab // 2), vocab, (batch, length), device=device)
    return {"input_ids": ids, "attention_mask": torch.ones_like(ids)}


def measure(
    cfg: dict, device: torch.device, repeats: int, scale: int, arch: dict = MBERT
) -> dict:
    """Items/s of the three neural stages (batch sizes divided by ``scale``),
    each step the library's own: the teacher's pairwise loss, OPTICAL's
    :class:`~optical_clir.distill.OpticalLoss` on the config's layers, both
    through :class:`~optical_clir.models.trainer.Optimisation` (autocast on a
    GPU), and reranking under ``torch.inference_mode`` and autocast. ``arch``:
    the BERT's dimensions (mBERT's unless a test asks for a tiny one)."""
    vocab = arch["vocab_size"]
    precision = cfg.get("precision", "auto")
    model = _model(device, arch)
    teacher_spec = TeacherSpec.from_config(cfg["teacher"])
    teacher_opt = Optimisation(
        model, TrainSpec.from_stage(teacher_spec), device, precision
    )
    tb = max(teacher_spec.batch_size // scale, 1)
    tl = teacher_spec.max_length

    def teacher_step():
        teacher_opt.step(
            lambda *_: pairwise_loss(
                model(**_batch(2 * tb, tl, device, vocab)).logits, tb
            ),
            0,
        )

    teacher = tb / median_seconds(teacher_step, repeats, device)

    spec = DistillSpec.from_config(cfg["distill"])
    db = max(spec.batch_size // scale, 1)
    dl = spec.max_length
    frozen, student = _model(device, arch), _model(device, arch)
    set_trainable(student, spec)  # distill.trainable: what the student moves
    idf = torch.ones(vocab) if spec.marginals == "idf" else None
    loss = OpticalLoss(frozen, student, None, spec, device, idf)
    distill_opt = Optimisation(student, TrainSpec.from_stage(spec), device, precision)

    def distill_loss(*_):
        en, fx = _batch(db, dl, device, vocab), _batch(db, dl, device, vocab)
        with torch.no_grad():
            teacher_side = loss.encode_batch(frozen, en, en["attention_mask"].bool())
        student_side = loss.encode_batch(student, fx, fx["attention_mask"].bool())
        return loss.transport(teacher_side, student_side).mean()

    distill = db / median_seconds(
        lambda: distill_opt.step(distill_loss, 0), repeats, device
    )

    rb = max(cfg["rerank"]["batch_size"] // scale, 1)
    rl = cfg["rerank"]["max_length"]
    model.eval()
    dtype = autocast_dtype(device, precision)

    def rerank_step():
        with torch.inference_mode(), autocast(device, dtype):
            model(**_batch(rb, rl, device, vocab))

    rerank = rb / median_seconds(rerank_step, repeats, device)
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
    t = TeacherSpec.from_config(cfg["teacher"])
    d = DistillSpec.from_config(cfg["distill"])
    r = RerankSpec.from_config(cfg["rerank"])
    langs = len(cfg["languages"])
    tl, dl, rl = t.max_length, d.max_length, r.max_length
    if cfg.get("source") == "ciral":  # 3 reranked runs a language, no English row
        split = (cfg.get("ciral") or {}).get("split", "test-a")
        pairs = sum(CIRAL_QUERIES[split][x["name"]] for x in cfg["languages"])
        pairs *= r.depth * 3
    else:
        queries = cfg["mmarco"].get("max_queries") or DEV_QUERIES
        pairs = queries * r.depth * (3 * langs + 1)
    return {
        "train_teacher": (
            t.steps * t.batch_size * t.grad_accum,
            2 * tl * 3 * _fwd_flops(tl),
        ),  # 2 sequences, fwd + bwd
        "distill_ot (all languages)": (
            langs * d.steps * d.batch_size * d.grad_accum,
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
