"""The encoding job that bench scripts time in a fresh process (the work of
rule ``encode_tokens``): load the late-interaction model, encode the first
``limit`` passages of a collection with the library's ``encode_texts`` (sorted
by length, in batches), print its seconds from the start and its token count.

Arguments: model folder, collection, limit, batch size, max length, threads,
``1`` to ``torch.compile`` the model's ``encode`` (else ``0``), and a file for
the first 2,000 token vectors (``-``: none): :func:`job_args` builds them in
this order from a bench's parsed arguments, :func:`job_result` reads the job's
output."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

JOB = """
import json, sys, time
began = time.perf_counter()
import torch
from transformers import AutoTokenizer
from optical_clir.formats import read_collection
from optical_clir.models.late_interaction import BertLateInteraction
from optical_clir.models.runtime import set_threads
from optical_clir.models.token_index import encode_texts
model_dir, collection, limit, batch, length, threads, compiled, out = sys.argv[1:9]
set_threads(int(threads))
torch.manual_seed(0)
model = BertLateInteraction.from_pretrained(model_dir, use_safetensors=True)
tokenizer = AutoTokenizer.from_pretrained(model_dir)
texts = dict(list(read_collection(collection).items())[: int(limit)])
if compiled == "1":
    model.encode = torch.compile(model.encode, dynamic=True)
index = encode_texts(
    model, tokenizer, list(texts), list(texts.values()), int(length), int(batch),
    torch.device("cpu"), "fp32",
)
seconds = time.perf_counter() - began
if out != "-":
    torch.save(index.vectors[:2000], out)
print(json.dumps({"seconds": seconds, "tokens": int(index.vectors.shape[0])}))
"""


def job_args(
    args: argparse.Namespace,
    collection: Path,
    threads: int,
    compiled: bool = False,
    out: Path | None = None,
) -> list[str]:
    """The arguments of :data:`JOB`, in its order, from a bench's ``--model``,
    ``--limit``, ``--batch-size`` and ``--max-length``."""
    return [
        str(args.model),
        str(collection),
        str(args.limit),
        str(args.batch_size),
        str(args.max_length),
        str(threads),
        "1" if compiled else "0",
        str(out) if out is not None else "-",
    ]


def job_result(stdout: str) -> dict:
    """The JSON line a job prints last (``seconds``, ``tokens``)."""
    return json.loads(stdout.strip().splitlines()[-1])
