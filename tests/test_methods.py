"""The methods registry: which methods a dataset gets, in which order and colour."""

from __future__ import annotations

from optical_clir import methods
from optical_clir.evaluate.report import COLORS
from optical_clir.evaluate.table import METHOD_ORDER


def test_a_dataset_without_translations_gets_the_english_teacher():
    chosen = methods.for_dataset(translated_passages=False)
    assert methods.names(chosen) == [
        "random",
        "bm25",
        "zeroshot",
        "optical",
        "teacher_en",
    ]
    assert methods.names(chosen, "first_stage") == ["bm25"]
    assert methods.names(chosen, "neural") == ["zeroshot", "optical", "teacher_en"]
    assert methods.for_language(chosen, is_pivot=True) == [
        "random",
        "bm25",
        "teacher_en",
    ]
    assert methods.for_language(chosen, is_pivot=False) == methods.names(chosen)


def test_a_dataset_with_translations_gets_the_translation_baselines_instead():
    chosen = methods.for_dataset(translated_passages=True)
    assert methods.names(chosen) == [
        "random",
        "bm25",
        "bm25_dt",
        "zeroshot",
        "optical",
        "teacher_dt",
    ]
    assert methods.names(chosen, "first_stage") == ["bm25", "bm25_dt"]


def test_full_ranking_adds_its_chance_level_for_late_interaction_only():
    late = methods.for_dataset(False, ["late_interaction"], full_ranking=True)
    assert methods.names(late)[:3] == ["random", "random_collection", "bm25"]
    assert "random_collection" in methods.for_language(late, is_pivot=True)
    reranked = methods.for_dataset(False, ["late_interaction"], full_ranking=False)
    cross = methods.for_dataset(False, ["cross_encoder"], full_ranking=True)
    for chosen in (reranked, cross):
        assert "random_collection" not in methods.names(chosen)
    present = methods.names(late)
    assert methods.chance_level("late_interaction", present) == "random_collection"
    assert methods.chance_level("cross_encoder", present) == "random"
    assert methods.chance_level("late_interaction", ["random"]) == "random"
    assert methods.chance_level("cross_encoder", ["bm25"]) is None


def test_every_method_has_one_place_and_colour_used_by_table_and_figure():
    orders = [m.order for m in methods.REGISTRY.values()]
    assert len(set(orders)) == len(orders)
    assert METHOD_ORDER == methods.order()
    assert COLORS == methods.colours()
    for method in methods.REGISTRY.values():
        assert method.colour.startswith("#") and len(method.colour) == 7
        assert (method.model is not None) == (method.kind == "neural"), method
