"""Neural stages on tiny, randomly initialised BERTs saved locally (no hub access)."""

from __future__ import annotations

import logging
import os
import signal

import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from transformers import (
    BertConfig,
    BertForSequenceClassification,
    BertTokenizerFast,
    RobertaConfig,
)

from optical_clir.candidates import cut_run
from optical_clir.distill import OpticalLoss, distill
from optical_clir.errors import ConfigError
from optical_clir.layers import resolve_layers
from optical_clir.models import checkpoint
from optical_clir.models.cross_encoder import (
    draw_pairs,
    load_ranker,
    save_ranker,
    score_pairs,
    tie_query_key,
    train_teacher,
)
from optical_clir.models.encoder import _canonical_order, train_tokenizer
from optical_clir.models.max_pool_ranker import BertMaxPoolRanker
from optical_clir.rerank import rerank, rerank_union
from optical_clir.specs import DistillSpec, PretrainSpec, TeacherSpec

CPU = torch.device("cpu")
WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split()
DISTILL = {
    "steps": 8,
    "batch_size": 4,
    "lr": 1e-3,
    "layers": [1, -1],
    "reg": 0.1,
    "marginals": "uniform",
    "grad_mode": "envelope",
    "max_iter": 100,
    "tol": 1e-3,
    "max_length": 24,
    "checkpoint_every": 3,
    "heldout_pairs": 0,
}


def _sentence(i: int) -> str:
    return " ".join(WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(4 + i % 5))


def _foreign(text: str) -> str:
    return " ".join(w[::-1] + "o" for w in reversed(text.split()))


@pytest.fixture(scope="module")
def ranker_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("ranker")
    corpus = root / "corpus.txt"
    lines = [_sentence(i) for i in range(200)]
    corpus.write_text("\n".join(lines + [_foreign(x) for x in lines]) + "\n")
    train_tokenizer([corpus], 200, root / "tok")
    tokenizer = BertTokenizerFast.from_pretrained(root / "tok")
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        num_labels=1,
    )
    model = BertForSequenceClassification(config)
    model.save_pretrained(root / "model")
    tokenizer.save_pretrained(root / "model")
    return root / "model"


@pytest.fixture(scope="module")
def bitext(tmp_path_factory):
    path = tmp_path_factory.mktemp("bitext") / "bitext.tsv"
    rows = [_sentence(i) for i in range(60)]
    path.write_text("".join(f"{e}\t{_foreign(e)}\n" for e in rows))
    return path


@pytest.fixture(scope="module")
def max_ranker_dir(ranker_dir, tmp_path_factory):
    """The same encoder with the max-pooling head (fresh, seeded)."""
    torch.manual_seed(1)
    model, tokenizer = load_ranker(ranker_dir, pooling="max")
    out = tmp_path_factory.mktemp("max") / "model"
    save_ranker(model, tokenizer, out)
    return out


def _weights(path):
    return load_file(str(path / "model.safetensors"))


def test_tokenizer_pieces_come_in_a_canonical_order(ranker_dir, tmp_path):
    # WordPiece training breaks ties in hash-map order (huggingface/tokenizers
    # #1794): the same pieces can come out in another order, i.e. other ids.
    # The saved vocabulary is therefore rewritten: specials, then sorted pieces.
    train_tokenizer([ranker_dir.parent / "corpus.txt"], 200, tmp_path / "t")
    pieces = (tmp_path / "t" / "vocab.txt").read_text().splitlines()
    assert pieces[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert pieces[5:] == sorted(pieces[5:])
    shuffled = tmp_path / "vocab.txt"
    shuffled.write_text("\n".join(pieces[:5] + pieces[5:][::-1]) + "\n")
    _canonical_order(shuffled)
    assert shuffled.read_text().splitlines() == pieces


def test_tokenizer_training_gives_one_vocabulary_in_every_process(tmp_path):
    """The trainer numbers its ``##c`` pieces in hash-map order, which changes from
    process to process, and breaks ties between merges by those numbers: on the
    tiny config's corpus two fresh runs had learnt different pieces. Training in
    separate processes must give the same vocabulary, byte for byte."""
    import subprocess
    import sys

    from conftest import TINY
    from optical_clir.config import load_yaml
    from optical_clir.stages.data import generate_language, generate_pivot

    config = load_yaml(TINY)
    keys = ["collection", "queries", "queries_en", "qrels", "pretrain"]
    pivot = {k: tmp_path / "en" / k for k in [*keys, "triples"]}
    generate_pivot(synthetic=config["synthetic"], seed=7, out=pivot)
    corpora = [str(pivot["pretrain"])]
    for entry in config["languages"]:
        out = {k: tmp_path / entry["name"] / k for k in [*keys, "bitext"]}
        generate_language(
            synthetic=config["synthetic"], seed=7, language=entry, pivot=pivot, out=out
        )
        corpora.append(str(out["pretrain"]))
    code = (
        "import sys; from optical_clir.models.encoder import train_tokenizer; "
        "train_tokenizer(sys.argv[3:], int(sys.argv[1]), sys.argv[2])"
    )
    size = str(config["model"]["vocab_size"])
    vocabularies = set()
    for run in range(3):
        out = tmp_path / f"tok{run}"
        command = [sys.executable, "-c", code, size, str(out), *corpora]
        subprocess.run(command, check=True)
        vocabularies.add((out / "vocab.txt").read_bytes())
    assert len(vocabularies) == 1


def test_tokenizer_round_trip(ranker_dir):
    tokenizer = BertTokenizerFast.from_pretrained(ranker_dir)
    ids = tokenizer("alpha beta")["input_ids"]
    assert ids[0] == tokenizer.cls_token_id and ids[-1] == tokenizer.sep_token_id
    assert tokenizer.decode(ids, skip_special_tokens=True) == "alpha beta"


@pytest.mark.parametrize("head", ["cls", "max"])
def test_score_pairs_keeps_input_order(head, ranker_dir, max_ranker_dir):
    # also: padding never changes a score (the max head masks padded positions)
    model, tokenizer = load_ranker(ranker_dir if head == "cls" else max_ranker_dir)
    pairs = [(_sentence(i), _sentence(i + 3) * (1 + i % 3)) for i in range(11)]
    batched = score_pairs(model, tokenizer, pairs, 4, 64, CPU, progress=False)
    single = [
        score_pairs(model, tokenizer, [p], 1, 64, CPU, progress=False)[0] for p in pairs
    ]
    assert batched.shape == (11,)
    torch.testing.assert_close(
        torch.tensor(batched), torch.tensor(single), atol=1e-5, rtol=0
    )


def test_layers_are_resolved_and_checked():
    assert resolve_layers([1, -1], 3) == [1, 2]
    with pytest.raises(ValueError, match="distill.layers: 5 is out of range"):
        resolve_layers([5], 3)


def test_optical_loss_decreases_with_training(ranker_dir, bitext, tmp_path):
    params = {**DISTILL, "steps": 40, "checkpoint_every": 100}
    teacher, tokenizer = load_ranker(ranker_dir)
    held_out = [(_sentence(i), _foreign(_sentence(i))) for i in range(100, 116)]

    def held_out_loss(student):
        loss = OpticalLoss(
            teacher, student, tokenizer, DistillSpec.from_config(params), CPU
        )
        student.eval()
        with torch.no_grad():
            return float(loss([e for e, _ in held_out], [f for _, f in held_out]))

    before = held_out_loss(load_ranker(ranker_dir)[0])
    stats = distill(
        ranker_dir,
        bitext,
        DistillSpec.from_config(params),
        tmp_path / "s",
        tmp_path / "ck",
        1,
        CPU,
    )
    after = held_out_loss(load_ranker(tmp_path / "s")[0])
    assert after < before
    assert stats["last_loss"] < stats["first_loss"]


def test_embeddings_only_distillation_moves_only_token_embeddings(
    ranker_dir, bitext, tmp_path
):
    params = {
        **DISTILL,
        "trainable": "embeddings",
        "steps": 40,
        "checkpoint_every": 100,
    }
    stats = distill(
        ranker_dir,
        bitext,
        DistillSpec.from_config(params),
        tmp_path / "s",
        tmp_path / "ck",
        1,
        CPU,
    )
    before, after = _weights(ranker_dir), _weights(tmp_path / "s")
    moved = {k for k in before if not torch.equal(before[k], after[k])}
    assert moved == {"bert.embeddings.word_embeddings.weight"}
    assert stats["last_loss"] < stats["first_loss"]


def test_killed_distillation_resumes_to_the_same_weights(ranker_dir, bitext, tmp_path):
    straight = tmp_path / "straight"
    distill(
        ranker_dir,
        bitext,
        DistillSpec.from_config(DISTILL),
        straight,
        tmp_path / "ck1",
        3,
        CPU,
    )

    import optical_clir.distill as module

    original = module.OpticalLoss.__call__
    calls = {"n": 0}

    def killed_at_step_5(self, english, foreign):
        calls["n"] += 1
        if calls["n"] == 5:
            os.kill(os.getpid(), signal.SIGTERM)  # as Slurm does at its time limit
        return original(self, english, foreign)

    module.OpticalLoss.__call__ = killed_at_step_5
    try:
        with pytest.raises(checkpoint.Interrupted, match="step 5"):
            distill(
                ranker_dir,
                bitext,
                DistillSpec.from_config(DISTILL),
                tmp_path / "resumed",
                tmp_path / "ck2",
                3,
                CPU,
            )
    finally:
        module.OpticalLoss.__call__ = original
    assert not (tmp_path / "resumed").exists()  # no half-written model
    assert checkpoint.latest(tmp_path / "ck2")[0] == 5
    stats = distill(
        ranker_dir,
        bitext,
        DistillSpec.from_config(DISTILL),
        tmp_path / "resumed",
        tmp_path / "ck2",
        3,
        CPU,
    )
    assert stats["resumed_from"] == 5
    a, b = _weights(straight), _weights(tmp_path / "resumed")
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], atol=0, rtol=0)


def test_saved_head_is_the_head_loaded(ranker_dir, max_ranker_dir):
    assert type(load_ranker(ranker_dir)[0]) is BertForSequenceClassification
    model, _ = load_ranker(max_ranker_dir)
    assert type(model) is BertMaxPoolRanker
    saved = _weights(max_ranker_dir)
    assert not any("pooler" in key for key in saved)
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, saved[key], atol=0, rtol=0)


def test_max_head_needs_a_bert_encoder(ranker_dir, tmp_path):
    RobertaConfig(
        vocab_size=50,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
    ).save_pretrained(tmp_path)
    BertTokenizerFast.from_pretrained(ranker_dir).save_pretrained(tmp_path)
    with pytest.raises(ValueError, match="teacher.pooling: max needs a BERT encoder"):
        load_ranker(tmp_path, pooling="max")


def test_tied_keys_start_as_queries(ranker_dir, tmp_path):
    model, _ = load_ranker(ranker_dir, pooling="max")
    tie_query_key(model)
    for layer in model.bert.encoder.layer:
        attention = layer.attention.self
        torch.testing.assert_close(attention.key.weight, attention.query.weight)
        torch.testing.assert_close(attention.key.bias, attention.query.bias)
    with pytest.raises(ValueError, match="teacher.tie_query_key"):
        tie_query_key(torch.nn.Linear(2, 2))


def _train_teacher(ranker_dir, triples, params: dict, tmp_path):
    """A teacher from ``ranker_dir`` on ``triples`` with the ``teacher`` section
    ``params``, model seed 0, on the CPU: saved to ``tmp_path / "t"``,
    checkpoints in ``tmp_path / "ck"``. Returns the training stats."""
    return train_teacher(
        ranker_dir,
        triples,
        TeacherSpec.from_config(params),
        tmp_path / "t",
        tmp_path / "ck",
        0,
        CPU,
    )


@pytest.mark.parametrize("pooling", ["cls", "max"])
def test_teacher_learns_english_triples(pooling, ranker_dir, tmp_path):
    triples = tmp_path / "triples.tsv"
    rows = []
    for i in range(40):
        q = WORDS[i % len(WORDS)]
        rows.append(
            f"{q} {WORDS[(i + 1) % 12]}\t{q} is here {_sentence(i)}\t{_sentence(i + 5)}"
        )
    triples.write_text("\n".join(rows) + "\n")
    params = {
        "steps": 30,
        "batch_size": 8,
        "lr": 3e-3,
        "max_length": 64,
        "pooling": pooling,
        "tie_query_key": pooling == "max",
        "checkpoint_every": 50,
    }
    stats = _train_teacher(ranker_dir, triples, params, tmp_path)
    assert stats["last_loss"] < stats["first_loss"]
    expected = {"cls": "BertForSequenceClassification", "max": "BertMaxPoolRanker"}
    assert type(load_ranker(tmp_path / "t")[0]).__name__ == expected[pooling]


def test_random_negatives_are_other_triples_positives():
    triples = [(f"q{i}", f"p{i}", f"n{i}") for i in range(6)]
    hard = draw_pairs(triples, np.random.default_rng(3), 50)
    easy = draw_pairs(triples, np.random.default_rng(3), 50, random_negatives=True)
    # the same queries and positives, drawn by the same rng
    assert easy[:50] == hard[:50]
    assert all(p == "p" + q[1:] for q, p in hard[:50])
    assert [p for _, p in hard[50:]] == ["n" + q[1:] for q, _ in hard[50:]]
    negatives = easy[50:]
    assert all(p.startswith("p") and p != "p" + q[1:] for q, p in negatives)
    # over enough draws a query meets every other triple's positive
    by_query = {}
    for q, p in negatives:
        by_query.setdefault(q, set()).add(p)
    assert max(len(seen) for seen in by_query.values()) == 5
    again = draw_pairs(triples, np.random.default_rng(3), 50, random_negatives=True)
    assert again == easy


def test_teacher_starts_on_random_negatives(ranker_dir, tmp_path, caplog):
    triples = tmp_path / "triples.tsv"
    triples.write_text(
        "\n".join(
            f"{WORDS[i]}\t{WORDS[i]} {_sentence(i)}\t{_sentence(i + 5)}"
            for i in range(12)
        )
        + "\n"
    )
    params = {
        "steps": 10,
        "batch_size": 4,
        "lr": 1e-3,
        "max_length": 48,
        "pooling": "max",
        "random_negatives": 0.3,
        "checkpoint_every": 50,
    }
    with caplog.at_level(logging.INFO):
        _train_teacher(ranker_dir, triples, params, tmp_path)
    assert "random negatives for the first 3 of 10 steps" in caplog.text
    with pytest.raises(ConfigError, match=r"teacher\.random_negatives"):
        TeacherSpec.from_config({**params, "random_negatives": 1.5})


def test_rerank_scores_each_querys_top_depth(ranker_dir):
    queries = {"q1": "alpha beta", "q2": "gamma"}
    collection = {str(i): _sentence(i) for i in range(12)}
    run = {q: {str(i): float(12 - i) for i in range(12)} for q in queries}
    out = rerank(
        run,
        queries,
        collection,
        ranker_dir,
        depth=5,
        batch_size=4,
        max_length=64,
        device=CPU,
    )
    assert {q: sorted(d) for q, d in out.items()} == {
        q: sorted(str(i) for i in range(5)) for q in queries
    }
    model, tokenizer = load_ranker(ranker_dir)
    pairs = [(queries[q], collection[d]) for q in queries for d in sorted(out[q])]
    direct = score_pairs(model, tokenizer, pairs, 4, 64, CPU)
    got = [out[q][d] for q in queries for d in sorted(out[q])]
    assert got == pytest.approx([float(s) for s in direct], abs=1e-6)


def test_union_scores_a_shared_pair_once_and_each_cut_is_the_runs_reranking(
    ranker_dir,
):
    """``teacher_en`` reads the same texts whichever language's candidates it
    reranks: the union of two runs' top 5 is scored once, and each run's
    reranking cut out of it is the one :func:`rerank` gives (to float32 noise
    from other batch paddings)."""
    from optical_clir.errors import InputError

    queries = {"q1": "alpha beta", "q2": "gamma"}
    collection = {str(i): _sentence(i) for i in range(12)}
    first = {q: {str(i): float(12 - i) for i in range(8)} for q in queries}
    second = {q: {str(i): float(i) for i in range(4, 12)} for q in queries}
    args = dict(depth=5, batch_size=4, max_length=64, device=CPU)
    union = rerank_union(
        [("a.trec", first), ("b.trec", second)], queries, collection, ranker_dir, **args
    )
    expected = {str(i) for i in range(5)} | {str(i) for i in range(7, 12)}
    assert {q: set(d) for q, d in union.items()} == {q: expected for q in queries}
    for run in (first, second):
        cut = cut_run(union, run, 5, {"scores": "u.trec", "candidates": "a.trec"})
        direct = rerank(run, queries, collection, ranker_dir, **args)
        assert cut.keys() == direct.keys()
        for qid in direct:
            assert cut[qid].keys() == direct[qid].keys()
            assert list(cut[qid].values()) == pytest.approx(
                list(direct[qid].values()), abs=1e-5
            )
    stray = {"q1": {"0": 1.0, "x9": 0.5}}
    with pytest.raises(InputError, match=r"en/collection.tsv.*b.trec.*'x9'"):
        rerank_union(
            [("a.trec", first), ("b.trec", stray)],
            queries,
            collection,
            ranker_dir,
            paths={"collection": "en/collection.tsv"},
            **args,
        )


@pytest.mark.skipif(torch.cuda.is_available(), reason="tests the machine without a GPU")
@pytest.mark.parametrize("preference", ["auto", "cuda"])
def test_gpu_stage_on_a_cpu_machine_says_so(preference, caplog):
    from optical_clir.models.runtime import pick_device

    with caplog.at_level(logging.WARNING, logger="optical_clir.models.runtime"):
        assert pick_device(preference) == torch.device("cpu")
    assert "no CUDA device found: running this GPU stage on the CPU" in caplog.text


@pytest.mark.parametrize(
    ("precision", "expected"),
    [("auto", None), ("fp32", None), ("fp16", None), ("bf16", torch.bfloat16)],
)
def test_the_cpu_runs_bf16_only_when_asked(precision, expected, ranker_dir):
    """`precision: bf16` autocasts on the CPU too (the default run's setting);
    `auto` keeps fp32 there, so a CPU run is the same on any CPU."""
    from optical_clir.models.cross_encoder import load_ranker, score_pairs
    from optical_clir.models.runtime import autocast, autocast_dtype

    cpu = torch.device("cpu")
    assert autocast_dtype(cpu, precision) == expected
    model, tokenizer = load_ranker(ranker_dir)
    ids = tokenizer(["alpha beta"], return_tensors="pt")
    seen = []
    dense = model.base_model.encoder.layer[0].intermediate.dense
    hook = dense.register_forward_hook(lambda _m, _i, out: seen.append(out.dtype))
    with torch.inference_mode(), autocast(cpu, autocast_dtype(cpu, precision)):
        model.base_model(**ids)
    hook.remove()
    assert seen == [expected or torch.float32]  # the matrix products' dtype
    pairs = [("alpha beta", "beta gamma"), ("alpha", "delta")]
    full = score_pairs(model, tokenizer, pairs, 2, 32, cpu, "fp32", progress=False)
    half = score_pairs(model, tokenizer, pairs, 2, 32, cpu, precision, progress=False)
    assert np.allclose(full, half, atol=0.05)


def test_bf16_native_runs_bf16_only_on_a_cpu_with_bf16_instructions():
    """`precision: bf16_native` (the default run's): bf16 autocast where this
    CPU has AVX512-BF16 or AMX (as torch reports them), fp32 elsewhere; the
    banner says which, and warns of `bf16` on a CPU without them."""
    from optical_clir.banner import precision_lines
    from optical_clir.models.runtime import (
        autocast_dtype,
        cpu_has_native_bf16,
        precision_in_use,
    )

    cpu = torch.device("cpu")
    native = bool(
        torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
    )
    assert cpu_has_native_bf16() == native
    assert autocast_dtype(cpu, "bf16_native") == (torch.bfloat16 if native else None)
    assert precision_in_use(cpu, "bf16_native") == ("bf16" if native else "fp32")
    assert precision_in_use(cpu, "bf16") == "bf16"
    (line,) = precision_lines("bf16_native", "auto")
    assert line.endswith("bf16 autocast" if native else "fp32 (no bf16 instructions)")
    warning = "\n".join(precision_lines("bf16", "auto"))
    assert ("WARNING" in warning) != native
    assert precision_lines("bf16", "cuda") == precision_lines("fp32", "auto") == []


# --- the real-text tier's knobs and the checks users hit (issue: real encoder) ---


def test_mean_head_round_trips(ranker_dir, tmp_path):
    torch.manual_seed(2)
    model, tokenizer = load_ranker(ranker_dir, pooling="mean")
    save_ranker(model, tokenizer, tmp_path / "m")
    loaded, _ = load_ranker(tmp_path / "m")
    assert type(loaded).__name__ == "BertMeanPoolRanker"
    enc = tokenizer(
        ["alpha beta", "gamma"],
        ["delta", "eta theta iota"],
        padding=True,
        return_tensors="pt",
    )
    with torch.no_grad():
        a, b = model.eval()(**enc).logits, loaded.eval()(**enc).logits
    torch.testing.assert_close(a, b)  # same weights; float sums may differ in order
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, loaded.state_dict()[key], atol=0, rtol=0)


def test_frozen_teacher_layers_do_not_move(ranker_dir, tmp_path):
    triples = tmp_path / "triples.tsv"
    triples.write_text(
        "".join(
            f"{WORDS[i]}\t{WORDS[i]} {_sentence(i)}\t{_sentence(i + 3)}\n"
            for i in range(12)
        )
    )
    params = {
        "steps": 4,
        "batch_size": 4,
        "lr": 1e-2,
        "max_length": 48,
        "pooling": "mean",
        "frozen_layers": 1,
        "checkpoint_every": 10,
    }
    _train_teacher(ranker_dir, triples, params, tmp_path)
    before, after = _weights(ranker_dir), _weights(tmp_path / "t")
    for key, value in after.items():
        if key.startswith("bert.embeddings.") or key.startswith(
            "bert.encoder.layer.0."
        ):
            torch.testing.assert_close(value, before[key], atol=0, rtol=0)
    assert not torch.equal(
        after["bert.encoder.layer.1.output.dense.weight"],
        before["bert.encoder.layer.1.output.dense.weight"],
    )


def test_lower_layer_distillation_moves_only_embeddings_and_lower_layers(
    ranker_dir, bitext, tmp_path
):
    params = {
        **DISTILL,
        "trainable": "lower",
        "lower_layers": 1,
        "layers": [1],
        "steps": 6,
        "checkpoint_every": 100,
    }
    distill(
        ranker_dir,
        bitext,
        DistillSpec.from_config(params),
        tmp_path / "s",
        tmp_path / "ck",
        1,
        CPU,
    )
    before, after = _weights(ranker_dir), _weights(tmp_path / "s")
    moved = {k for k in before if not torch.equal(before[k], after[k])}
    assert "bert.embeddings.word_embeddings.weight" in moved
    assert any(k.startswith("bert.encoder.layer.0.") for k in moved)
    allowed = ("bert.embeddings.word_embeddings.", "bert.encoder.layer.0.")
    assert all(k.startswith(allowed) for k in moved), moved


def test_truncated_forward_gives_the_full_models_states(ranker_dir):
    from optical_clir.models.freezing import first_layers

    model, tokenizer = load_ranker(ranker_dir)
    enc = tokenizer(["alpha beta gamma"], return_tensors="pt")
    with torch.no_grad():
        full = model.eval().base_model(**enc, output_hidden_states=True).hidden_states
        for n in (1, 2):
            with first_layers(model, n):
                cut = model.base_model(**enc, output_hidden_states=True).hidden_states
            assert len(cut) == n + 1
            torch.testing.assert_close(cut[n], full[n], atol=0, rtol=0)
    assert len(model.base_model.encoder.layer) == 2  # restored
    with pytest.raises(ValueError, match="at least one layer"):
        with first_layers(model, 0):
            pass


# the halved embeddings below leave Sinkhorn a hair short of its tolerance in 100
# iterations; the guard's decision, not the plan's last digit, is under test
@pytest.mark.filterwarnings("ignore::optical_clir.ot.SinkhornNotConverged")
def test_collapse_guard_watches_and_stops(ranker_dir, bitext, tmp_path, caplog):
    from optical_clir.formats import read_bitext
    from optical_clir.models.collapse import CollapseGuard

    teacher, tokenizer = load_ranker(ranker_dir)
    student, _ = load_ranker(ranker_dir)
    loss = OpticalLoss(
        teacher,
        student,
        tokenizer,
        DistillSpec.from_config({**DISTILL, "layers": [-1]}),
        CPU,
    )
    # a foreign side identical to the English one: a student equal to the teacher
    # transports each sentence onto itself at no cost, so the gap starts positive
    pairs = [(e, e) for e, _ in read_bitext(bitext)[:12]]
    guard = CollapseGuard(
        loss, pairs, check_every=2, min_ratio=2.0, action="stop", last_step=10
    )
    assert guard.history[0]["step"] == 0
    assert guard.initial > 0.05  # identical sentences cost little (entropic blur only)
    assert guard.initial == pytest.approx(
        guard.history[0]["mismatched"] - guard.history[0]["matching"]
    )
    assert guard(1) is False and len(guard.history) == 1  # not due
    original = {k: v.clone() for k, v in student.state_dict().items()}
    with torch.no_grad():
        student.get_input_embeddings().weight.mul_(0.5)
    caplog.set_level(logging.WARNING, logger="optical_clir.models.collapse")
    assert guard(2) is True  # ratio below 2.0: restore and stop
    assert "fell to" in caplog.text
    for key, value in student.state_dict().items():
        torch.testing.assert_close(value, original[key], atol=0, rtol=0)
    summary = guard.summary()
    assert summary["restored_to_step"] == 0 and summary["collapse_warned"]


def test_distillation_records_the_heldout_gap(ranker_dir, bitext, tmp_path):
    params = {
        **DISTILL,
        "heldout_pairs": 8,
        "collapse": {"check_every": 4, "min_ratio": 0.0, "action": "warn"},
    }
    stats = distill(
        ranker_dir,
        bitext,
        DistillSpec.from_config(params),
        tmp_path / "s",
        tmp_path / "ck",
        1,
        CPU,
        bitext_pairs=50,
    )
    assert stats["heldout_pairs"] == 8
    assert [h["step"] for h in stats["collapse_history"]] == [0, 4, 8]
    assert stats["heldout_gap_initial"] == stats["collapse_history"][0]["gap"]


def test_bitext_is_capped_at_the_budget():
    from optical_clir.distill import cap_pairs

    pairs = [(str(i), str(i)) for i in range(100)]
    capped = cap_pairs(pairs, 30, seed=1, source="b.tsv")
    assert len(capped) == 30 and capped == cap_pairs(pairs, 30, seed=1, source="b")
    assert capped == sorted(capped, key=lambda p: int(p[0]))  # original order kept
    assert cap_pairs(pairs, 500, seed=1, source="b.tsv") == pairs


def test_short_runs_log_their_loss(ranker_dir, bitext, tmp_path):
    from optical_clir.models.trainer import TrainSpec

    assert (
        TrainSpec.from_stage(PretrainSpec.from_config({"steps": 20, "lr": 1})).log_every
        == 2
    )
    assert (
        TrainSpec.from_stage(PretrainSpec.from_config({"steps": 3, "lr": 1})).log_every
        == 1
    )
    params = {**DISTILL, "steps": 3, "checkpoint_every": 10}
    stats = distill(
        ranker_dir,
        bitext,
        DistillSpec.from_config(params),
        tmp_path / "s",
        tmp_path / "ck",
        1,
        CPU,
    )
    assert stats["first_loss"] == stats["first_loss"]  # not NaN
    assert stats["steps_done"] == 3


def test_a_query_longer_than_max_length_fails_up_front(ranker_dir, tmp_path):
    from optical_clir.errors import InputError

    triples = tmp_path / "triples.tsv"
    long_query = " ".join(WORDS * 4)
    triples.write_text(f"alpha\talpha beta\tgamma\n{long_query}\talpha\tbeta\n")
    params = {
        "steps": 2,
        "batch_size": 2,
        "lr": 1e-3,
        "max_length": 24,
        "checkpoint_every": 10,
    }
    with pytest.raises(InputError, match=r"triples.tsv.*teacher.max_length = 24"):
        _train_teacher(ranker_dir, triples, params, tmp_path)
    assert not (tmp_path / "t").exists()
    run = {"q1": {"0": 1.0}}
    with pytest.raises(InputError, match=r"queries.tsv.*rerank.max_length = 24"):
        rerank(
            run,
            {"q1": long_query},
            {"0": "alpha"},
            ranker_dir,
            depth=5,
            batch_size=4,
            max_length=24,
            device=CPU,
            paths={"queries": "queries.tsv"},
        )


def test_rerank_refuses_candidates_missing_from_the_collection(ranker_dir, tmp_path):
    from optical_clir.errors import InputError

    run = {"q1": {"d1": 2.0, "x9": 1.0}}
    with pytest.raises(InputError, match=r"en/collection.tsv.*'x9'.*English passage"):
        rerank(
            run,
            {"q1": "alpha"},
            {"d1": "alpha beta"},
            ranker_dir,
            depth=5,
            batch_size=4,
            max_length=32,
            device=CPU,
            paths={"collection": "en/collection.tsv", "candidates": "bm25.trec"},
        )
    assert not (tmp_path / "c.tsv").exists()  # nothing scored


def test_pruned_wordpiece_encoder_segments_as_before(ranker_dir, tmp_path):
    from transformers import AutoModel, AutoTokenizer

    from optical_clir.models.prune import prune_encoder

    texts = [_sentence(i) for i in range(5)] + ["alpha gamma", _foreign(_sentence(2))]
    stats = prune_encoder(ranker_dir, texts, tmp_path / "p")
    assert stats["pieces_after"] < stats["pieces_before"]
    old_tok = AutoTokenizer.from_pretrained(ranker_dir)
    new_tok = AutoTokenizer.from_pretrained(tmp_path / "p")
    old_model = AutoModel.from_pretrained(ranker_dir)
    new_model = AutoModel.from_pretrained(tmp_path / "p")
    assert new_model.config.vocab_size == stats["pieces_after"] == len(new_tok)
    old_rows = old_model.get_input_embeddings().weight
    new_rows = new_model.get_input_embeddings().weight
    for text in texts:
        old = old_tok(text, "alpha beta")
        new = new_tok(text, "alpha beta")
        assert old_tok.convert_ids_to_tokens(old["input_ids"]) == (
            new_tok.convert_ids_to_tokens(new["input_ids"])
        )
        torch.testing.assert_close(
            new_rows[new["input_ids"]], old_rows[old["input_ids"]], atol=0, rtol=0
        )
        with torch.no_grad():  # the same states: the pruned model is the same model
            a = old_model.eval()(**old_tok(text, return_tensors="pt")).last_hidden_state
            b = new_model.eval()(**new_tok(text, return_tensors="pt")).last_hidden_state
        torch.testing.assert_close(a, b)


def test_english_anchor_is_zero_for_the_teacher_itself(ranker_dir, bitext):
    from optical_clir.formats import read_bitext

    pairs = read_bitext(bitext)[:6]
    english, foreign = [e for e, _ in pairs], [f for _, f in pairs]
    teacher, tokenizer = load_ranker(ranker_dir)
    student, _ = load_ranker(ranker_dir)
    plain = OpticalLoss(
        teacher, student, tokenizer, DistillSpec.from_config(DISTILL), CPU
    )
    anchored = OpticalLoss(
        teacher,
        student,
        tokenizer,
        DistillSpec.from_config({**DISTILL, "english_anchor": 1.0}),
        CPU,
    )
    with torch.no_grad():
        torch.testing.assert_close(plain(english, foreign), anchored(english, foreign))
        student.get_input_embeddings().weight.mul_(0.5)
        assert anchored(english, foreign) > plain(english, foreign) + 1e-3


def test_pivot_rows_stay_the_teachers(ranker_dir, bitext, tmp_path):
    from optical_clir.distill import pivot_rows
    from optical_clir.formats import read_bitext

    params = {
        **DISTILL,
        "trainable": "embeddings",
        "freeze_pivot_rows": True,
        "steps": 6,
        "checkpoint_every": 100,
        "lr": 1e-2,
    }
    distill(
        ranker_dir,
        bitext,
        DistillSpec.from_config(params),
        tmp_path / "s",
        tmp_path / "ck",
        1,
        CPU,
    )
    key = "bert.embeddings.word_embeddings.weight"
    before, after = _weights(ranker_dir)[key], _weights(tmp_path / "s")[key]
    _, tokenizer = load_ranker(ranker_dir)
    rows = pivot_rows(tokenizer, [e for e, _ in read_bitext(bitext)])
    torch.testing.assert_close(after[rows], before[rows], atol=0, rtol=0)
    moved = (after != before).any(1).nonzero().view(-1).tolist()
    assert moved and not set(moved) & set(rows.tolist())


# --- the bench scripts run the library's own steps (no hand-built copies) ---


def test_distill_bench_times_the_librarys_step(ranker_dir, bitext, tmp_path):
    import json
    import subprocess
    import sys

    from conftest import ROOT, TINY

    out = tmp_path / "distill.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "distill.py"),
            "--teacher",
            str(ranker_dir),
            "--bitext",
            str(bitext),
            "--config",
            str(TINY),
            "--max-length",
            "24",
            "--steps",
            "2",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(out.read_text())
    phases = ("teacher", "student", "ot", "backward_and_update")
    assert all(result[k] > 0 for k in phases)
    assert result["step"] == pytest.approx(sum(result[k] for k in phases), rel=0.5)
    assert result["layers"] == [1, -1]  # the config's, not a copy's default


def test_real_costs_bench_runs_the_librarys_losses():
    import importlib.util

    from conftest import ROOT, TINY
    from optical_clir.config import load_yaml

    spec = importlib.util.spec_from_file_location(
        "real_costs", ROOT / "bench" / "real_costs.py"
    )
    module = importlib.util.module_from_spec(spec)
    import sys

    sys.path.insert(0, str(ROOT / "bench"))  # its sibling `timing`, as when run
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "bench"))
    tiny = dict(
        vocab_size=300,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
    )
    rates = module.measure(load_yaml(TINY), CPU, repeats=1, scale=4, arch=tiny)
    assert set(rates) == set(module.RATE_KEYS)
    assert all(rate > 0 for rate in rates.values())
