"""Two-tower late interaction: token vectors encoded once, MaxSim, full ranking,
and OPTICAL's student as the tower that reads the target language."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from transformers import BertConfig, BertTokenizerFast

from optical_clir import methods
from optical_clir.distill import distill
from optical_clir.models.cross_encoder import save_ranker
from optical_clir.models.encoder import train_tokenizer
from optical_clir.models.late_interaction import BertLateInteraction
from optical_clir.models.token_index import (
    TokenIndex,
    save_sections,
    score_pairs,
    search,
)
from optical_clir.models.towers import Towers
from optical_clir.rerank import rerank
from optical_clir.specs import DistillSpec, distill_section

CPU = torch.device("cpu")
WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split()


def _sentence(i: int) -> str:
    return " ".join(WORDS[(i * 5 + k * 7) % len(WORDS)] for k in range(3 + i % 6))


def _foreign(text: str) -> str:
    return " ".join(w[::-1] + "o" for w in reversed(text.split()))


@pytest.fixture(scope="module")
def li_dir(tmp_path_factory):
    """A tiny late-interaction ranker (random weights) with its tokenizer."""
    root = tmp_path_factory.mktemp("li")
    corpus = root / "corpus.txt"
    lines = [_sentence(i) for i in range(120)]
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
        late_interaction_dim=8,
    )
    save_ranker(BertLateInteraction(config), tokenizer, root / "model")
    return root / "model"


@pytest.fixture(scope="module")
def student_dir(li_dir, tmp_path_factory):
    """OPTICAL from ``li_dir`` with every weight trainable, at the last layer."""
    root = tmp_path_factory.mktemp("student")
    bitext = root / "bitext.tsv"
    bitext.write_text(
        "".join(f"{_sentence(i)}\t{_foreign(_sentence(i))}\n" for i in range(40))
    )
    before = _digests(li_dir)
    section = distill_section(
        {
            "steps": 6,
            "batch_size": 4,
            "lr": 1e-2,
            "max_length": 24,
            "checkpoint_every": 100,
            "heldout_pairs": 0,
            "trainable": "embeddings",
            "layers": [0],
            "late_interaction": {"trainable": "all", "layers": [-1]},
        },
        "late_interaction",
    )
    distill(
        li_dir,
        bitext,
        DistillSpec.from_config(section),
        root / "s",
        root / "ck",
        3,
        CPU,
    )
    assert _digests(li_dir) == before  # the teacher's folder is only read
    return root / "s"


def _digests(folder):
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()
    }


QUERIES = {f"q{i}": _sentence(i) for i in range(6)}
PASSAGES = {f"d{i}": _sentence(i + 3) for i in range(15)}


def test_one_model_scores_as_the_rankers_own_forward(li_dir):
    towers = Towers.load(li_dir)
    model, tokenizer = towers.query
    pairs = [(q, d) for q in list(QUERIES)[:3] for d in list(PASSAGES)[:5]]
    got = towers.score(pairs, QUERIES, PASSAGES, 4, 32, CPU)
    with torch.no_grad():
        for (q, d), score in zip(pairs, got, strict=True):
            a = tokenizer([QUERIES[q]], return_tensors="pt")
            b = tokenizer([PASSAGES[d]], return_tensors="pt")
            expected = model(
                a["input_ids"], a["attention_mask"], b["input_ids"], b["attention_mask"]
            ).logits
            assert float(score) == pytest.approx(float(expected), abs=1e-5)


def test_each_side_is_read_by_its_own_tower(li_dir, student_dir):
    """en2x: the teacher reads the query, the student the passage."""
    towers = Towers.load(li_dir, student_dir)
    teacher, tokenizer = Towers.load(li_dir).query
    student, _ = Towers.load(student_dir).query
    pairs = [("q0", "d1"), ("q2", "d4")]
    got = towers.score(pairs, QUERIES, PASSAGES, 4, 32, CPU)
    with torch.no_grad():
        for (q, d), score in zip(pairs, got, strict=True):
            a = tokenizer([QUERIES[q]], return_tensors="pt")
            b = tokenizer([PASSAGES[d]], return_tensors="pt")
            qv = teacher.encode(a["input_ids"], a["attention_mask"])
            pv = student.encode(b["input_ids"], b["attention_mask"])
            expected = BertLateInteraction.maxsim(
                qv, a["attention_mask"], pv, b["attention_mask"]
            )
            assert float(score) == pytest.approx(float(expected), abs=1e-5)
    # the other order is another ranker
    swapped = Towers.load(student_dir, li_dir).score(
        pairs, QUERIES, PASSAGES, 4, 32, CPU
    )
    assert not np.allclose(swapped, got)


def test_the_english_tower_is_the_teachers_bit_for_bit(li_dir, student_dir):
    teacher = load_file(li_dir / "model.safetensors")
    student = load_file(student_dir / "model.safetensors")
    # every weight on OPTICAL's path moved (trainable: all, the last layer) ...
    moved = {k for k in teacher if not torch.equal(teacher[k], student[k])}
    assert "bert.embeddings.word_embeddings.weight" in moved
    assert any(k.startswith("bert.encoder.layer.1.") for k in moved)
    # ... and the tower that reads English in en2x is the teacher's own
    query_lang, passage_lang = methods.SETTINGS["en2x"]
    assert (query_lang, passage_lang) == ("pivot", "target")
    assert methods.towers("optical_li", "en2x") == ("teacher", "optical")
    towers = Towers.load(li_dir, student_dir)
    for name, tensor in towers.query[0].state_dict().items():
        assert torch.equal(tensor, teacher[name]), name


def test_full_ranking_is_every_pairs_maxsim_in_order(li_dir):
    towers = Towers.load(li_dir)
    q = towers.encode_queries(QUERIES, 32, 4, CPU)
    p = towers.encode_passages(PASSAGES, 32, 4, CPU)
    run = search(q, p, depth=4)
    everything = [(qid, d) for qid in QUERIES for d in PASSAGES]
    scores = dict(zip(everything, score_pairs(q, p, everything), strict=True))
    for qid in QUERIES:
        # the top 4 by score (ties, from repeated texts, in either order)
        fourth = sorted((float(scores[(qid, d)]) for d in PASSAGES), reverse=True)[3]
        assert len(run[qid]) == 4
        for d, score in run[qid].items():
            assert score == pytest.approx(float(scores[(qid, d)]), abs=1e-5)
            assert score >= fourth - 1e-5
        assert list(run[qid].values()) == sorted(run[qid].values(), reverse=True)


def test_full_ranking_in_small_blocks_of_mixed_lengths_scores_the_same(
    li_dir, monkeypatch
):
    """Queries and passages are blocked by length: the blocks, in any size,
    put every score back in its own (query, passage) cell."""
    from optical_clir.models import token_index

    towers = Towers.load(li_dir)
    q = towers.encode_queries(QUERIES, 32, 4, CPU)
    p = towers.encode_passages(PASSAGES, 32, 4, CPU)
    assert len(set(q.lengths.tolist())) > 1  # blocking reorders the queries
    whole = search(q, p, depth=len(PASSAGES))
    monkeypatch.setattr(token_index, "_QUERY_BLOCK", 2)
    monkeypatch.setattr(token_index, "_BLOCK", 3)
    blocked = search(q, p, depth=len(PASSAGES))
    for qid in QUERIES:
        assert blocked[qid].keys() == whole[qid].keys()
        for d, score in whole[qid].items():
            assert blocked[qid][d] == pytest.approx(score, abs=1e-5)


def test_full_ranking_leaves_out_the_querys_own_passage(li_dir):
    towers = Towers.load(li_dir)
    texts = {"d3": PASSAGES["d3"], "d7": PASSAGES["d7"]}  # queries that are passages
    q = towers.encode_queries(texts, 32, 4, CPU)
    p = towers.encode_passages(PASSAGES, 32, 4, CPU)
    assert next(iter(search(q, p, depth=3)["d3"])) == "d3"  # it matches itself best
    run = search(q, p, depth=3, exclude_self=True)
    for qid in texts:
        assert qid not in run[qid] and len(run[qid]) == 3


def test_token_vectors_round_trip_through_safetensors(li_dir, tmp_path):
    index = Towers.load(li_dir).encode_passages(PASSAGES, 32, 4, CPU)
    assert index.vectors.shape == (int(index.lengths.sum()), 8)
    index.save(tmp_path / "v.safetensors")
    again = TokenIndex.load(tmp_path / "v.safetensors")
    assert again.ids == list(PASSAGES)
    assert torch.equal(again.lengths, index.lengths)
    assert torch.allclose(again.vectors, index.vectors, atol=2e-3)  # float16 on disk
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_towers_texts_share_one_file_by_section(li_dir, tmp_path):
    """encode_tokens writes a tower's passages (float16) and queries (float32,
    exact) of one language into one file; rank_full reads each by name."""
    towers = Towers.load(li_dir)
    passages = towers.encode_passages(PASSAGES, 32, 4, CPU)
    queries = towers.encode_queries(QUERIES, 32, 4, CPU)
    path = tmp_path / "de.safetensors"
    save_sections(
        path,
        {"collection": (passages, torch.float16), "queries": (queries, torch.float32)},
    )
    again = TokenIndex.load(path, "queries")
    assert again.ids == list(QUERIES) and torch.equal(again.vectors, queries.vectors)
    again = TokenIndex.load(path, "collection")
    assert again.ids == list(PASSAGES)
    assert torch.equal(again.vectors, passages.vectors.half().float())
    missing = r"no token vectors of 'queries_en'.*'queries'"
    with pytest.raises(ValueError, match=missing):
        TokenIndex.load(path, "queries_en")


def test_rerank_with_two_towers_reads_each_side_with_its_model(li_dir, student_dir):
    candidates = {q: {d: 1.0 for d in list(PASSAGES)[:6]} for q in QUERIES}
    args = (candidates, QUERIES, PASSAGES)
    one = rerank(*args, li_dir, 6, 4, 32, CPU)
    two = rerank(*args, li_dir, 6, 4, 32, CPU, passage_model_dir=student_dir)
    pairs = [(q, d) for q in QUERIES for d in candidates[q]]
    expected = Towers.load(li_dir, student_dir).score(
        pairs, QUERIES, PASSAGES, 4, 32, CPU
    )
    for (q, d), score in zip(pairs, expected, strict=True):
        assert two[q][d] == pytest.approx(float(score), abs=1e-6)
    assert any(abs(one[q][d] - two[q][d]) > 1e-4 for q, d in pairs)


def test_settings_name_which_tower_the_student_is():
    assert methods.student_tower("optical_li", "en2x") == "passage"
    assert methods.student_tower("optical_li", "x2en") == "query"
    assert methods.student_tower("optical_li", "mono") == "both"
    assert methods.student_tower("optical", "x2en") == "pair"
    assert methods.student_tower("zeroshot_li", "en2x") == ""
    assert methods.towers("optical_li", "mono") == ("optical", "optical")
    assert methods.towers("zeroshot_li", "x2en") == ("teacher", "teacher")


def test_late_interaction_students_take_their_own_distill_keys():
    shared = {"trainable": "embeddings", "layers": [8], "lr": 1e-3}
    section = {**shared, "late_interaction": {"trainable": "all", "layers": [-1]}}
    assert distill_section(section, "cross_encoder") == shared
    li = DistillSpec.from_config(distill_section(section, "late_interaction"))
    assert (li.trainable, li.layers, li.lr) == ("all", (-1,), 1e-3)


def test_a_student_loads_with_transformers_alone(student_dir):
    """The late-interaction student is a BertModel checkpoint plus a projection:
    transformers loads its encoder without this package."""
    from transformers import BertModel

    encoder, info = BertModel.from_pretrained(student_dir, output_loading_info=True)
    assert set(info["unexpected_keys"]) == {"projection.weight"}
    saved = load_file(student_dir / "model.safetensors")
    for name, tensor in encoder.state_dict().items():
        if not name.startswith("pooler."):  # unused by MaxSim, absent
            assert torch.equal(tensor, saved[f"bert.{name}"]), name


def test_contrastive_term_sets_each_translation_against_the_batch(li_dir):
    """The diagonal of the batch's cost matrix is each pair's own <T, C>; the
    contrastive term is a cross-entropy over it, zero weight gives OPTICAL."""
    from optical_clir.distill import OpticalLoss

    english = [_sentence(i) for i in range(5)]
    foreign = [_foreign(e) for e in english]
    teacher, tokenizer = Towers.load(li_dir).query
    student, _ = Towers.load(li_dir).query
    base = {"layers": [-1], "max_length": 24, "tol": 1e-6, "max_iter": 500}
    plain = OpticalLoss(teacher, student, tokenizer, DistillSpec.from_config(base), CPU)
    both = OpticalLoss(
        teacher,
        student,
        tokenizer,
        DistillSpec.from_config({**base, "contrastive": 0.5}),
        CPU,
    )
    student.eval()
    with torch.no_grad():
        t = plain.encode(teacher, english)
        s = plain.encode(student, foreign)
        costs = both.batch_costs(t, s)
        pairs = plain.transport(t, s)
        assert costs.shape == (5, 5)
        assert torch.allclose(costs.diagonal(), pairs, atol=1e-5)
        mixed = float(both(english, foreign))
        expected = float(pairs.mean()) + 0.5 * float(both._contrastive(costs))
        assert mixed == pytest.approx(expected, abs=1e-5)
        assert float(plain(english, foreign)) == pytest.approx(float(pairs.mean()))
    student.train()
    both(english, foreign).backward()
    grads = [p.grad for p in student.parameters() if p.grad is not None]
    assert grads and any(float(g.abs().sum()) > 0 for g in grads)


def test_output_target_aligns_the_vectors_maxsim_scores(li_dir, tmp_path):
    """distill.target: output compares the ranker's own token vectors (the
    projected, normalised ones), so the projection trains too; a cross-encoder
    has none and is refused."""
    from optical_clir.distill import OpticalLoss
    from optical_clir.models.cross_encoder import load_ranker

    teacher, tokenizer = Towers.load(li_dir).query
    student, _ = Towers.load(li_dir).query
    spec = DistillSpec.from_config({"target": "output", "max_length": 24})
    loss = OpticalLoss(teacher, student, tokenizer, spec, CPU)
    english = [_sentence(i) for i in range(3)]
    states, weights = loss.encode(student, english)
    assert len(states) == 1 and states[0].shape[-1] == 8  # late_interaction_dim
    norms = states[0].norm(dim=-1)[weights > 0]
    assert torch.allclose(norms, torch.ones_like(norms), atol=1e-5)
    loss(english, [_foreign(e) for e in english]).backward()
    assert student.projection.weight.grad is not None
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        num_labels=1,
    )
    from transformers import BertForSequenceClassification

    save_ranker(BertForSequenceClassification(config), tokenizer, tmp_path / "ce")
    cross, _ = load_ranker(tmp_path / "ce")
    with pytest.raises(ValueError, match="late-interaction"):
        OpticalLoss(cross, cross, tokenizer, spec, CPU)


def test_shared_teacher_states_give_the_loss_of_states_computed_at_each_step(
    li_dir, tmp_path
):
    """distill.share_teacher_states: the teacher reads each English sentence
    once (encode_bitext_states, from two bitext files that share it); the loss,
    the contrastive costs and the collapse guard's pair costs from those states
    equal the ones from states computed in the step's batch (fp32), and a file
    without a sentence, or made with other settings, is refused by name."""
    from optical_clir.distill import OpticalLoss, encode_bitext_states
    from optical_clir.errors import InputError
    from optical_clir.teacher_states import TeacherStates

    english = [_sentence(i) for i in range(12)]
    for name, rows in (("de", range(12)), ("ny", range(4, 12))):
        (tmp_path / f"{name}.tsv").write_text(
            "".join(f"{english[i]}\t{_foreign(english[i])}\n" for i in rows)
        )
    spec = DistillSpec.from_config(
        {"layers": [1, -1], "max_length": 24, "batch_size": 5, "contrastive": 0.5}
    )
    path = tmp_path / "states.safetensors"
    encode_bitext_states(
        li_dir,
        [tmp_path / "de.tsv", tmp_path / "ny.tsv"],
        [None, None],
        spec,
        path,
        7,
        CPU,
    )
    shared = TeacherStates.load(path)
    assert shared.texts == list(dict.fromkeys(english))  # the shared sentences once
    teacher, tokenizer = Towers.load(li_dir).query
    student, _ = Towers.load(li_dir).query
    loss = OpticalLoss(teacher, student, tokenizer, spec, CPU)
    batch = english[7:12] + english[:2]
    foreign = [_foreign(e) for e in batch]
    with torch.no_grad():
        computed = float(loss(batch, foreign))
        pair_costs = loss.pair_costs(batch, foreign)
        shared.require(batch, loss.states_settings("auto"), path)
        loss.teacher_states = shared
        assert float(loss(batch, foreign)) == pytest.approx(computed, abs=1e-5)
        assert torch.allclose(loss.pair_costs(batch, foreign), pair_costs, atol=1e-5)
    with pytest.raises(InputError, match="states.safetensors.*1 English bitext texts"):
        shared.require(
            batch + ["not in the bitext"], loss.states_settings("auto"), path
        )
    with pytest.raises(InputError, match="states.safetensors.*made with"):
        shared.require(batch, loss.states_settings("bf16"), path)
