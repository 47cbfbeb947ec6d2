"""The late-interaction ranker: MaxSim over normalised token vectors."""

from __future__ import annotations

import torch
from transformers import BertConfig

from optical_clir.models.late_interaction import BertLateInteraction
from optical_clir.models.scorers import (
    CrossEncoderScorer,
    LateInteractionScorer,
    scorer_for,
)


def _tiny(dim: int = 8) -> BertLateInteraction:
    config = BertConfig(
        vocab_size=50,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=32,
        late_interaction_dim=dim,
    )
    torch.manual_seed(0)
    return BertLateInteraction(config).eval()


def test_maxsim_is_the_sum_of_each_query_tokens_best_cosine():
    q = torch.nn.functional.normalize(torch.randn(1, 3, 4), dim=-1)
    p = torch.nn.functional.normalize(torch.randn(1, 5, 4), dim=-1)
    q_mask = torch.tensor([[1, 1, 0]])
    p_mask = torch.tensor([[1, 1, 1, 0, 0]])
    expected = sum(max(float(q[0, i] @ p[0, j]) for j in range(3)) for i in range(2))
    got = BertLateInteraction.maxsim(q, q_mask, p, p_mask)
    assert got.shape == (1,)
    assert abs(float(got[0]) - expected) < 1e-6


def test_padding_changes_no_score():
    model = _tiny()
    q = torch.tensor([[2, 7, 9, 3]])
    p = torch.tensor([[2, 11, 12, 13, 3]])
    ones = lambda x: torch.ones_like(x)  # noqa: E731
    with torch.no_grad():
        plain = model(q, ones(q), p, ones(p)).logits
        padded_q = torch.cat([q, torch.zeros(1, 3, dtype=torch.long)], dim=1)
        padded_p = torch.cat([p, torch.zeros(1, 4, dtype=torch.long)], dim=1)
        mask_q = torch.cat([ones(q), torch.zeros(1, 3, dtype=torch.long)], dim=1)
        mask_p = torch.cat([ones(p), torch.zeros(1, 4, dtype=torch.long)], dim=1)
        padded = model(padded_q, mask_q, padded_p, mask_p).logits
    assert plain.shape == (1, 1)
    assert torch.allclose(plain, padded, atol=1e-5)
    # A score is a sum of at most |q| cosines.
    assert abs(float(plain)) <= q.shape[1] + 1e-5


def test_a_repeated_text_is_encoded_once_and_scored_as_alone():
    """The teacher's pairs repeat each query (positive, then negative): the
    forward encodes each distinct text once, with the same scores."""
    model = _tiny()
    q = torch.tensor([[2, 7, 9, 3], [2, 8, 3, 0], [2, 7, 9, 3], [2, 8, 3, 0]])
    q_mask = (q > 0).long()
    p = torch.tensor([[2, 11, 12, 3], [2, 13, 3, 0], [2, 14, 15, 3], [2, 16, 3, 0]])
    p_mask = (p > 0).long()
    seen = []
    hook = model.bert.register_forward_hook(
        lambda _m, args, kwargs, _out: seen.append(len(kwargs["input_ids"])),
        with_kwargs=True,
    )
    with torch.no_grad():
        scores = model(q, q_mask, p, p_mask).logits.view(-1)
    hook.remove()
    assert seen == [2, 4]  # two distinct queries, four distinct passages
    with torch.no_grad():
        alone = [
            float(
                model(
                    q[i : i + 1], q_mask[i : i + 1], p[i : i + 1], p_mask[i : i + 1]
                ).logits
            )
            for i in range(4)
        ]
    assert torch.allclose(scores, torch.tensor(alone), atol=1e-5)


def test_gradients_reach_a_repeated_text_from_each_of_its_pairs():
    model = _tiny().train()
    model.config.hidden_dropout_prob = 0.0
    for module in model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
    q = torch.tensor([[2, 7, 9, 3], [2, 7, 9, 3]])
    p = torch.tensor([[2, 11, 12, 3], [2, 14, 15, 3]])
    ones = torch.ones_like(q)
    model(q, ones, p, ones).logits.sum().backward()
    deduped = model.bert.embeddings.word_embeddings.weight.grad.clone()
    model.zero_grad()
    for i in range(2):
        model.maxsim(
            model.encode(q[i : i + 1], ones[:1]),
            ones[:1],
            model.encode(p[i : i + 1], ones[:1]),
            ones[:1],
        ).sum().backward()
    # Equal up to float32 summation order (gradients here reach ~10).
    assert torch.allclose(
        deduped, model.bert.embeddings.word_embeddings.weight.grad, rtol=1e-5, atol=1e-5
    )


def test_token_vectors_are_normalised_and_zero_at_padding():
    model = _tiny(dim=8)
    ids = torch.tensor([[2, 5, 6, 0]])
    mask = torch.tensor([[1, 1, 1, 0]])
    with torch.no_grad():
        vectors = model.encode(ids, mask)
    assert vectors.shape == (1, 4, 8)
    norms = vectors.norm(dim=-1)[0]
    assert torch.allclose(norms[:3], torch.ones(3), atol=1e-5)
    assert float(norms[3]) == 0.0


def test_saves_as_safetensors_and_loads_back(tmp_path):
    model = _tiny(dim=8)
    model.save_pretrained(tmp_path, safe_serialization=True)
    assert (tmp_path / "model.safetensors").exists()
    again = BertLateInteraction.from_pretrained(tmp_path, use_safetensors=True).eval()
    assert again.dim == 8
    for a, b in zip(
        model.state_dict().values(), again.state_dict().values(), strict=True
    ):
        assert torch.equal(a, b)
    assert model.base_model is model.bert  # what OPTICAL aligns


def test_each_family_gets_its_scorer():
    assert isinstance(scorer_for(_tiny()), LateInteractionScorer)
    assert isinstance(scorer_for(torch.nn.Linear(2, 2)), CrossEncoderScorer)
