"""Neural stages on tiny, randomly initialised BERTs saved locally (no hub access)."""

from __future__ import annotations

import logging
import os
import signal

import pytest
import torch
from safetensors.torch import load_file
from transformers import (
    BertConfig,
    BertForSequenceClassification,
    BertTokenizerFast,
    RobertaConfig,
)

from optical_clir.neural import checkpoint
from optical_clir.neural.cross_encoder import (
    load_ranker,
    save_ranker,
    score_pairs,
    tie_query_key,
    train_teacher,
)
from optical_clir.neural.distill import OpticalLoss, distill, resolve_layers
from optical_clir.neural.encoder import _canonical_order, train_tokenizer
from optical_clir.neural.max_pool_ranker import BertMaxPoolRanker
from optical_clir.neural.rerank import rerank

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
        loss = OpticalLoss(teacher, student, tokenizer, params, CPU)
        student.eval()
        with torch.no_grad():
            return float(loss([e for e, _ in held_out], [f for _, f in held_out]))

    before = held_out_loss(load_ranker(ranker_dir)[0])
    stats = distill(ranker_dir, bitext, params, tmp_path / "s", tmp_path / "ck", 1, CPU)
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
    stats = distill(ranker_dir, bitext, params, tmp_path / "s", tmp_path / "ck", 1, CPU)
    before, after = _weights(ranker_dir), _weights(tmp_path / "s")
    moved = {k for k in before if not torch.equal(before[k], after[k])}
    assert moved == {"bert.embeddings.word_embeddings.weight"}
    assert stats["last_loss"] < stats["first_loss"]


def test_killed_distillation_resumes_to_the_same_weights(ranker_dir, bitext, tmp_path):
    straight = tmp_path / "straight"
    distill(ranker_dir, bitext, DISTILL, straight, tmp_path / "ck1", 3, CPU)

    import optical_clir.neural.distill as module

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
                DISTILL,
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
        ranker_dir, bitext, DISTILL, tmp_path / "resumed", tmp_path / "ck2", 3, CPU
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
    stats = train_teacher(
        ranker_dir, triples, params, tmp_path / "t", tmp_path / "ck", 0, CPU
    )
    assert stats["last_loss"] < stats["first_loss"]
    expected = {"cls": "BertForSequenceClassification", "max": "BertMaxPoolRanker"}
    assert type(load_ranker(tmp_path / "t")[0]).__name__ == expected[pooling]


def test_rerank_cache_avoids_rescoring(ranker_dir, tmp_path, caplog):
    queries = {"q1": "alpha beta", "q2": "gamma"}
    collection = {str(i): _sentence(i) for i in range(12)}
    run = {q: {str(i): float(12 - i) for i in range(12)} for q in queries}
    kwargs = dict(
        depth=5, batch_size=4, max_length=64, device=CPU, cache=tmp_path / "c.tsv"
    )
    caplog.set_level(logging.INFO, logger="optical_clir.neural.rerank")
    first = rerank(run, queries, collection, ranker_dir, **kwargs)
    assert all(len(d) == 5 for d in first.values())
    assert "0 from the cache, 10 to score" in caplog.text
    caplog.clear()
    second = rerank(run, queries, collection, ranker_dir, **kwargs)
    assert "10 from the cache, 0 to score" in caplog.text
    assert first == second


@pytest.mark.skipif(torch.cuda.is_available(), reason="tests the machine without a GPU")
@pytest.mark.parametrize("preference", ["auto", "cuda"])
def test_gpu_stage_on_a_cpu_machine_says_so(preference, caplog):
    from optical_clir.neural.runtime import pick_device

    with caplog.at_level(logging.WARNING, logger="optical_clir.neural.runtime"):
        assert pick_device(preference) == torch.device("cpu")
    assert "no CUDA device found: running this GPU stage on the CPU" in caplog.text
