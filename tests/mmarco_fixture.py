"""A miniature mMARCO repo in the upstream file formats, and a tiny random BERT.

Layout and formats as in the Hugging Face dataset repo ``unicamp-dl/mmarco``:
``data/google/collections/<name>_collection.tsv`` (``pid<TAB>passage``, the same
pids in every language), ``data/google/queries/dev/<name>_queries.dev.small.tsv``
and ``.../train/english_queries.train.tsv`` (``qid<TAB>query``),
``data/qrels.dev.small.tsv`` (``qid<TAB>0<TAB>pid<TAB>1``) and
``data/triples.train.ids.small.tsv`` (``qid<TAB>pos<TAB>neg``).
The "translations" are deterministic rewritings of the English words (a suffix,
or a Devanagari transliteration for Hindi) so that each language has its own
vocabulary, and sentence ends are kept so that bitext splitting applies.
"""

from __future__ import annotations

import random
from pathlib import Path

from optical_clir.data.mmarco import NAMES

WORDS = (
    "river bank money loan water fish boat bridge city train station music "
    "guitar piano song dance school teacher student exam garden flower tree "
    "apple bread cheese coffee market price doctor hospital"
).split()
PASSAGES = 60
DEV_QUERIES = 12
TRAIN_QUERIES = 30


def translate(text: str, code: str) -> str:
    """The fixture's 'translation' of English text into language ``code``."""
    if code == "en":
        return text
    if code == "hi":
        out = "".join(
            chr(0x0915 + (ord(c) - 97) % 30) if c.isalpha() else c for c in text.lower()
        )
        return out.replace(".", "\u0964")  # the Devanagari full stop
    suffix = {"fr": "eau", "vi": "\u01a1", "de": "en"}.get(code, "x")
    return " ".join(
        w[:-1] + suffix + "." if w.endswith(".") else w + suffix for w in text.split()
    )


def _passage(rng: random.Random, topic: list[str]) -> str:
    sentences = []
    for _ in range(rng.randint(2, 3)):
        words = rng.sample(topic, 3) + rng.sample(WORDS, 2)
        rng.shuffle(words)
        sentences.append(" ".join(words) + ".")
    return " ".join(sentences)


def write_repo(root: Path, languages: list[str], seed: int = 0) -> dict:
    """Write the miniature repo under ``root``; returns ids for the assertions."""
    rng = random.Random(seed)
    pids = [str(1000 + 7 * i) for i in range(PASSAGES)]  # not contiguous, as ids go
    topics = [rng.sample(WORDS, 6) for _ in range(PASSAGES)]
    english = {pid: _passage(rng, topics[i]) for i, pid in enumerate(pids)}
    dev = {str(500 + i): pids[3 * i] for i in range(DEV_QUERIES)}
    queries = {
        qid: " ".join(rng.sample(topics[pids.index(pid)], 3))
        for qid, pid in dev.items()
    }
    data = root / "data"
    (data / "google" / "collections").mkdir(parents=True)
    (data / "google" / "queries" / "dev").mkdir(parents=True)
    (data / "google" / "queries" / "train").mkdir(parents=True)
    for code in ["en", *languages]:
        name = NAMES[code]
        with open(
            data / "google" / "collections" / f"{name}_collection.tsv",
            "w",
            encoding="utf-8",
        ) as handle:
            for pid, text in english.items():
                handle.write(f"{pid}\t{translate(text, code)}\n")
        with open(
            data / "google" / "queries" / "dev" / f"{name}_queries.dev.small.tsv",
            "w",
            encoding="utf-8",
        ) as handle:
            for qid, text in queries.items():
                handle.write(f"{qid}\t{translate(text, code)}\n")
    with open(data / "qrels.dev.small.tsv", "w", encoding="utf-8") as handle:
        for qid, pid in dev.items():
            handle.write(f"{qid}\t0\t{pid}\t1\n")
    train_pos = [pids[i] for i in range(1, PASSAGES, 2)][:TRAIN_QUERIES]
    with open(
        data / "google" / "queries" / "train" / "english_queries.train.tsv",
        "w",
        encoding="utf-8",
    ) as handle:
        for i, pid in enumerate(train_pos):
            handle.write(
                f"{9000 + i}\t{' '.join(rng.sample(topics[pids.index(pid)], 2))}\n"
            )
    with open(data / "triples.train.ids.small.tsv", "w", encoding="utf-8") as handle:
        for i, pid in enumerate(train_pos):
            handle.write(f"{9000 + i}\t{pid}\t{rng.choice(pids)}\n")
    return {"pids": pids, "dev": dev, "english": english}


def write_tiny_bert(root: Path, languages: list[str]) -> None:
    """A randomly initialised 2-layer BERT and a WordPiece vocabulary, saved as on
    the hub (config.json, model.safetensors, tokenizer files)."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", "\u0964"]
    for code in ["en", *languages]:
        for word in WORDS:
            token = translate(word, code)
            if token not in vocab:
                vocab.append(token)
    vocab += [c for c in "abcdefghijklmnopqrstuvwxyz"]
    root.mkdir(parents=True)
    (root / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab=str(root / "vocab.txt"), do_lower_case=False)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    torch.manual_seed(0)
    model = BertModel(config)
    model.save_pretrained(root, safe_serialization=True)
    tokenizer.save_pretrained(root)
