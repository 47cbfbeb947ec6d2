"""New word pieces for the student's language (models/new_pieces.py), on a small
unigram vocabulary built here: which words are added, that they cut as one
piece, that English cuts as before, and the new rows' starting values."""

from __future__ import annotations

import pytest
import torch

ENGLISH = ["the king went to the house", "the house of the king"]
FOREIGN = [
    "mfumu inapita kunyumba.",
    "nyumba ya mfumu",
    "mfumu, ndi nyumba kunyumba",
    "mfumu yapita",
]
SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]


def _unigram_tokenizer():
    """A unigram vocabulary of letters, a few English words and no Chichewa
    word: every Chichewa word is cut into letters."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    letters = sorted(set("".join(ENGLISH + FOREIGN).replace(" ", "")))
    vocab = [(s, 0.0) for s in SPECIALS]
    vocab += [(f"▁{w}", -2.0) for w in ("the", "king", "went", "to", "house", "of")]
    vocab += [("▁", -3.0)] + [(c, -4.0) for c in letters]
    backend = Tokenizer(models.Unigram(vocab, unk_id=3, byte_fallback=False))
    backend.pre_tokenizer = pre_tokenizers.Metaspace()
    backend.decoder = decoders.Metaspace()
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
    )


def _model(vocab_size: int):
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=vocab_size,
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
    )
    return BertModel(config)


def test_the_words_that_save_most_pieces_are_chosen():
    from optical_clir.models.new_pieces import choose_pieces

    tokenizer = _unigram_tokenizer()
    pieces = choose_pieces(tokenizer, FOREIGN, ENGLISH, n=10, min_count=2)
    # mfumu: 4 times x 6 pieces ("▁" + letters; "mfumu," counts as mfumu);
    # kunyumba: 2 x 9; nyumba: 2 x 7; inapita, ya, ndi, yapita occur once
    assert [p.text for p in pieces] == ["▁mfumu", "▁kunyumba", "▁nyumba"]
    assert [p.count for p in pieces] == [4, 2, 2]
    assert choose_pieces(tokenizer, FOREIGN, ENGLISH, n=1)[0].text == "▁mfumu"


def test_a_word_the_english_side_uses_is_never_added():
    from optical_clir.models.new_pieces import choose_pieces

    tokenizer = _unigram_tokenizer()
    english = [*ENGLISH, "mfumu is a name"]
    chosen = {p.text for p in choose_pieces(tokenizer, FOREIGN, english, n=10)}
    assert "▁mfumu" not in chosen and "▁nyumba" in chosen


def test_the_student_reads_each_new_word_as_one_piece_and_english_as_before(
    tmp_path,
):
    from transformers import AutoTokenizer

    from optical_clir.models.new_pieces import extend_student

    tokenizer = _unigram_tokenizer()
    student = _model(len(tokenizer))
    old = student.get_input_embeddings().weight.detach().clone()
    extended, figures = extend_student(student, tokenizer, FOREIGN, ENGLISH, n=10)
    assert figures["new_pieces"] == 3 and figures["new_pieces_asked"] == 10
    assert figures["pieces_per_word_after"] < figures["pieces_per_word_before"]
    base = len(tokenizer)
    assert len(extended) == base + 3
    for offset, word in enumerate(["mfumu", "kunyumba", "nyumba"]):
        assert extended(word, add_special_tokens=False)["input_ids"] == [base + offset]
    comma = tokenizer.convert_tokens_to_ids(",")
    assert extended("mfumu,", add_special_tokens=False)["input_ids"] == [base, comma]
    # English: the same ids as the teacher's tokenizer
    assert (
        extended(ENGLISH, add_special_tokens=False)["input_ids"]
        == tokenizer(ENGLISH, add_special_tokens=False)["input_ids"]
    )
    # the embedding grew; old rows unchanged, a new row = mean of its old pieces
    weight = student.get_input_embeddings().weight.detach()
    assert weight.shape == (base + 3, old.shape[1])
    assert student.config.vocab_size == base + 3
    assert torch.equal(weight[:base], old)
    pieces = tokenizer("mfumu", add_special_tokens=False)["input_ids"]
    assert len(pieces) >= 2
    assert torch.allclose(weight[base], old[pieces].mean(0))
    # saved and loaded with the standard class, the new pieces stay
    extended.save_pretrained(tmp_path)
    again = AutoTokenizer.from_pretrained(tmp_path)
    assert again("mfumu nyumba", add_special_tokens=False)["input_ids"] == [
        base,
        base + 2,
    ]


def test_no_new_piece_leaves_the_student_as_it_was():
    from optical_clir.models.new_pieces import extend_student

    tokenizer = _unigram_tokenizer()
    student = _model(len(tokenizer))
    old = student.get_input_embeddings().weight.detach().clone()
    extended, figures = extend_student(
        student, tokenizer, FOREIGN, ENGLISH, n=10, min_count=50
    )
    assert figures["new_pieces"] == 0 and len(extended) == len(tokenizer)
    assert torch.equal(student.get_input_embeddings().weight, old)


def test_a_wordpiece_vocabulary_is_refused_by_name():
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    from optical_clir.models.new_pieces import choose_pieces

    vocab = {"[UNK]": 0, "[PAD]": 1, "a": 2, "##b": 3}
    backend = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, unk_token="[UNK]", pad_token="[PAD]"
    )
    with pytest.raises(ValueError, match="new_pieces to 0"):
        choose_pieces(tokenizer, ["ab ab"], ["a"], n=2)


def test_a_piece_that_would_change_how_english_is_cut_is_dropped():
    from optical_clir.models.new_pieces import extend_student

    tokenizer = _unigram_tokenizer()
    english = [*ENGLISH, "the nyumbas"]  # starts with a Chichewa word
    extended, figures = extend_student(
        _model(len(tokenizer)), tokenizer, FOREIGN, english, n=10
    )
    assert figures["new_pieces"] == 2
    assert extended.convert_ids_to_tokens([len(tokenizer), len(tokenizer) + 1]) == [
        "▁mfumu",
        "▁kunyumba",
    ]
    assert (
        extended(english, add_special_tokens=False)["input_ids"]
        == tokenizer(english, add_special_tokens=False)["input_ids"]
    )
