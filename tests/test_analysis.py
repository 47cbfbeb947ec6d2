"""Summary, significance and multiple-testing correction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optical_clir.evaluate.analysis import (
    bootstrap_ci,
    holm,
    randomization_test,
    significance,
    summary,
)


def test_holm_matches_hand_computation():
    # sorted p: 0.01*3=0.03, 0.02*2=0.04, 0.04*1=0.04 (monotone)
    assert holm([0.04, 0.01, 0.02]) == pytest.approx([0.04, 0.03, 0.04])
    assert holm([0.5, 0.6]) == pytest.approx([1.0, 1.0])


def test_randomization_test():
    rng = np.random.default_rng(0)
    x = rng.random(200)
    assert randomization_test(x, x, 1000, 0) == 1.0
    assert randomization_test(x + 0.1, x, 1000, 0) < 0.01
    p = randomization_test(x, rng.permutation(x), 1000, 0)
    assert 0.05 < p <= 1.0


def test_randomization_test_is_exact_for_few_queries():
    """With 2**n <= permutations scipy enumerates every sign flip: the p-value
    equals the share of flips whose |mean| reaches the observed one."""
    import itertools

    diff = np.random.default_rng(2).normal(0.3, 1.0, 10)
    flips = np.array(list(itertools.product([-1.0, 1.0], repeat=10)))
    means = np.abs((flips * diff).mean(1))
    exact = np.mean(means >= abs(diff.mean()) - 1e-12)
    assert randomization_test(diff, np.zeros(10), 5000, 0) == pytest.approx(exact)


def test_bootstrap_ci_brackets_the_mean():
    values = np.random.default_rng(1).normal(0.3, 0.1, 400)
    low, high = bootstrap_ci(values, 1000, 0)
    assert low < values.mean() < high and high - low < 0.05
    assert bootstrap_ci(np.full(5, 0.25), 100, 0) == (0.25, 0.25)  # degenerate


def _table():
    rows = []
    scores = {
        "hi1": {"zeroshot": 0.30, "optical": 0.40, "teacher_en": 0.50},
        "hi2": {"zeroshot": 0.32, "optical": 0.42, "teacher_en": 0.52},
        "lo1": {"zeroshot": 0.10, "optical": 0.20, "teacher_en": 0.50},
    }
    for lang, by_method in scores.items():
        for method, value in by_method.items():
            resource = "high" if lang.startswith("hi") else "low"
            rows.append(
                {"lang": lang, "resource": resource, "method": method, "nDCG@10": value}
            )
    return pd.DataFrame(rows)


def test_summary_gap_and_share_closed():
    out = summary(_table()).set_index("method")
    assert out.loc["zeroshot", "gap"] == pytest.approx(0.31 - 0.10)
    assert out.loc["optical", "gap"] == pytest.approx(0.41 - 0.20)
    assert out.loc["optical", "closed_high"] == pytest.approx(0.10 / 0.20)
    assert out.loc["optical", "closed_low"] == pytest.approx(0.10 / 0.40)
    assert np.isnan(out.loc["zeroshot", "closed_low"])
    teacher = (0.50 + 0.52 + 0.50) / 3  # no English row: the targets' mean
    assert out.loc["zeroshot", "gap_rel_teacher"] == pytest.approx(0.21 / teacher)


def test_gap_is_relative_to_the_teachers_english_score():
    english = pd.DataFrame(
        [
            {"lang": "en", "resource": "pivot", "method": m, "nDCG@10": v}
            for m, v in (("bm25", 0.4), ("teacher_en", 0.6))
        ]
    )
    out = summary(pd.concat([english, _table()])).set_index("method")
    assert out.loc["zeroshot", "gap_rel_teacher"] == pytest.approx(0.21 / 0.6)


def test_significance_per_language_with_holm():
    rng = np.random.default_rng(2)
    per_query = {}
    for lang, shift in (("a", 0.2), ("b", 0.0)):
        base = pd.DataFrame(
            {"nDCG@10": rng.random(100)}, index=[str(i) for i in range(100)]
        )
        per_query[(lang, "zeroshot", "1")] = base
        per_query[(lang, "optical", "1")] = base + shift
    sig = significance(
        per_query, [("en", "pivot"), ("a", "high"), ("b", "low")], 2000, 500, 0.05, 0
    )
    assert list(sig["lang"]) == ["a", "b"] and set(sig["baseline"]) == {"zeroshot"}
    assert sig.loc[0, "significant"] and not sig.loc[1, "significant"]
    assert sig.loc[0, "delta"] == pytest.approx(0.2)
    assert sig.loc[0, "ci_low"] == pytest.approx(0.2) and sig.loc[1, "p_value"] == 1.0


def test_share_closed_is_undefined_without_a_transfer_gap():
    table = _table()
    table.loc[table["method"] == "teacher_en", "nDCG@10"] = 0.05  # below zero-shot
    out = summary(table).set_index("method")
    assert np.isnan(out.loc["optical", "closed_high"])
    assert np.isnan(out.loc["optical", "closed_low"])


def test_findings_read_the_numbers():
    from optical_clir.evaluate.report import findings

    lines = findings(summary(_table()), pd.DataFrame(), 0.05)
    # zero-shot keeps 0.31 / 0.51 (high) and 0.10 / 0.50 (low) of teacher_en
    assert any("Zero-shot keeps 61% of teacher_en's nDCG@10" in x for x in lines)
    assert any("and 20% in low-resource" in x for x in lines)
    assert not any("against BM25" in x for x in lines)  # no BM25 rows


def test_findings_set_each_reranker_against_bm25():
    from optical_clir.evaluate.report import findings

    table = _table()
    bm25 = [("hi1", "high", 0.35), ("hi2", "high", 0.35), ("lo1", "low", 0.15)]
    table = pd.concat(
        [
            table,
            pd.DataFrame(
                [
                    {"lang": lang, "resource": r, "method": "bm25", "nDCG@10": v}
                    for lang, r, v in bm25
                ]
            ),
        ]
    )
    lines = findings(summary(table), pd.DataFrame(), 0.05)
    # zero-shot 0.31 / 0.10 against 0.35 / 0.15; OPTICAL 0.41 / 0.20
    assert (
        "- `zeroshot` against BM25: not above it in high-resource (0.3100 vs "
        "0.3500), not above it in low-resource (0.1000 vs 0.1500)." in lines
    )
    assert any(
        x.startswith("- `optical` against BM25: above it in high-resource (0.4100")
        and "above it in low-resource (0.2000 vs 0.1500)" in x
        for x in lines
    )
    assert not any(x.startswith("- `bm25` against") for x in lines)


def test_translate_test_is_a_second_baseline_and_one_group_is_enough():
    rng = np.random.default_rng(3)
    per_query = {}
    for lang in ("ha", "so"):
        base = pd.DataFrame(
            {"nDCG@10": rng.random(50)}, index=[str(i) for i in range(50)]
        )
        per_query[(lang, "zeroshot", "1")] = base
        per_query[(lang, "teacher_dt", "1")] = base + 0.3
        per_query[(lang, "optical", "1")] = base + 0.1
    sig = significance(per_query, [("ha", "low"), ("so", "low")], 500, 200, 0.05, 0)
    assert list(sig["baseline"]) == ["zeroshot"] * 2 + ["teacher_dt"] * 2
    worse = sig[sig["baseline"] == "teacher_dt"]
    assert (worse["delta"] < 0).all() and worse["significant"].all()
    table = pd.DataFrame(
        [
            {"lang": "ha", "resource": "low", "method": m, "nDCG@10": v}
            for m, v in (("zeroshot", 0.2), ("optical", 0.3), ("teacher_dt", 0.4))
        ]
    )
    out = summary(table).set_index("method")
    assert out.loc["optical", "low_mean"] == 0.3 and np.isnan(out.loc["optical", "gap"])


def test_per_query_files_are_keyed_by_the_labels_they_carry(tmp_path):
    from optical_clir.errors import InputError
    from optical_clir.stages.evaluate import read_per_query

    header = "qid\tlang\tmethod\tseed\tnDCG@10\n"
    good = tmp_path / "anything.tsv"  # the name says nothing
    good.write_text(header + "1\tsw\toptical\t3\t0.5\n2\tsw\toptical\t3\t0\n")
    bm25 = tmp_path / "bm25.tsv"  # no model seed: an empty field
    bm25.write_text(header + "1\tsw\tbm25\t\t0.5\n")
    frames = read_per_query([str(good), str(bm25)])
    assert list(frames) == [("sw", "optical", "3"), ("sw", "bm25", "")]
    assert list(frames["sw", "optical", "3"].columns) == ["nDCG@10"]
    assert list(frames["sw", "optical", "3"].index) == ["1", "2"]
    mixed = tmp_path / "mixed.tsv"
    mixed.write_text(header + "1\tsw\toptical\t3\t0.5\n2\thi\toptical\t3\t0\n")
    with pytest.raises(InputError, match="mixed.tsv.*2 \\(lang, method, seed\\)"):
        read_per_query([str(mixed)])


def test_seeds_are_averaged_and_their_spread_reported():
    rows = []
    for seed, shift in (("1", 0.0), ("2", 0.1), ("3", 0.2)):
        for lang, resource, zs in (("h", "high", 0.5), ("l", "low", 0.2)):
            rows.append(
                {
                    "lang": lang,
                    "resource": resource,
                    "method": "zeroshot",
                    "seed": seed,
                    "nDCG@10": zs + shift,
                }
            )
    for lang, resource in (("h", "high"), ("l", "low")):
        rows.append(
            {
                "lang": lang,
                "resource": resource,
                "method": "bm25",
                "seed": "",
                "nDCG@10": 0.4,
            }
        )
    out = summary(pd.DataFrame(rows)).set_index("method")
    assert out.loc["zeroshot", "high_mean"] == pytest.approx(0.6)
    assert out.loc["zeroshot", "gap"] == pytest.approx(0.3)
    assert out.loc["zeroshot", "n_seeds"] == 3 and out.loc["bm25", "n_seeds"] == 0
    # the gap is 0.3 in every seed: a zero-width interval across seeds
    assert out.loc["zeroshot", "gap_ci_low"] == pytest.approx(0.3)
    assert out.loc["zeroshot", "gap_ci_high"] == pytest.approx(0.3)
    assert np.isnan(out.loc["bm25", "gap_ci_low"])


def test_a_difference_that_flips_between_seeds_does_not_hold():
    rng = np.random.default_rng(4)
    base = pd.DataFrame(
        {"nDCG@10": rng.random(200)}, index=[str(i) for i in range(200)]
    )
    per_query = {}
    for seed, shift in (("1", 0.3), ("2", 0.2), ("3", -0.05)):
        per_query[("a", "zeroshot", seed)] = base
        per_query[("a", "optical", seed)] = base + shift
        per_query[("b", "zeroshot", seed)] = base
        per_query[("b", "optical", seed)] = base + 0.1
    sig = significance(per_query, [("a", "high"), ("b", "low")], 1000, 200, 0.05, 0)
    a, b = sig.set_index("lang").loc["a"], sig.set_index("lang").loc["b"]
    assert a["delta"] == pytest.approx(0.15) and a["n_seeds"] == 3
    assert a["delta_seed_min"] == pytest.approx(-0.05)
    assert a["significant"] and not a["same_sign_every_seed"]
    assert not a["holds_across_seeds"]
    assert b["holds_across_seeds"]


def test_a_seed_whose_teacher_never_learnt_is_named():
    """A teacher whose loss stayed at ln 2 ranks like a random order; the report
    names its seed instead of letting it hide in the mean."""
    from optical_clir.evaluate.report import teacher_statements

    rows = [("bm25", "", 0.272), ("random", "", 0.097)]
    rows += [("teacher_en", "13", 0.085), ("teacher_en", "14", 0.359)]
    rows += [("teacher_en", "15", 0.260)]
    table = pd.DataFrame(
        [
            {"lang": "en", "resource": "pivot", "method": m, "seed": s, "nDCG@10": v}
            for m, s, v in rows
        ]
    )
    lines = teacher_statements(table)
    assert len(lines) == 2
    assert lines[0].startswith("- **Seed 13's teacher did not learn to rank**")
    assert "(0.0970)" in lines[0]
    assert lines[1] == (
        "- Seed 15's teacher is not above BM25 on the pivot language "
        "(`teacher_en` 0.2600 vs bm25 0.2720)."
    )
    assert teacher_statements(table[table["seed"] != "13"])[0].startswith("- Seed 15's")
    assert teacher_statements(table[table["resource"] != "pivot"]) == []


def test_headline_reads_each_settings_summary(tmp_path):
    from optical_clir.evaluate.headline import headline

    assert headline(tmp_path, "d", ["en2x"]) == []  # a partial target: nothing
    folder = tmp_path / "results" / "d" / "x2en"
    folder.mkdir(parents=True)
    pd.DataFrame(
        [
            {"method": "optical", "high_mean": 0.5, "low_mean": 0.25, "gap": 0.25},
            {"method": "zeroshot", "high_mean": 0.4, "low_mean": 0.1, "gap": 0.3},
        ]
    ).to_csv(folder / "summary.csv", index=False)
    (folder / "report.md").write_text("# report\n")
    lines = headline(tmp_path, "d", ["en2x", "x2en"])
    assert lines[0] == "d / x2en: nDCG@10, mean over languages"
    assert lines[2].split() == ["zeroshot", "0.400", "0.100", "0.300"]  # fixed order
    assert lines[3].split() == ["optical", "0.500", "0.250", "0.250"]
    assert lines[-1].split() == ["report.md", str(folder / "report.md")]


def test_the_banner_names_the_tier_task_and_languages():
    from conftest import ROOT
    from optical_clir.banner import banner
    from optical_clir.config import SCHEMA, load_yaml, resolve_extends, validate_config

    config = validate_config(
        resolve_extends(load_yaml(ROOT / "config" / "config.yaml"), ROOT), SCHEMA
    )
    lines = banner(config)
    assert lines[0] == lines[-1] == "=" * max(len(line) for line in lines)
    text = "\n".join(lines)
    assert "REAL-TEXT TIER" in text and "proxy task" in text and "not mMARCO" in text
    assert "task crossref: a verse finds the verses" in text
    assert "ny (low)" in text and "de (high)" in text
    assert "settings en2x, x2en" in text
    assert "precision bf16_native: on this machine's CPU" in text


def test_a_late_interaction_teacher_counts_as_the_english_teacher():
    """The default run ranks with late interaction only: its report must not say
    that the collection lacks English originals (teacher_en_li reads them)."""
    from optical_clir.evaluate.report import method_notes

    late_only = method_notes({"random", "bm25", "zeroshot_li", "teacher_en_li"}, 400)
    assert not any("No `teacher_en`" in line for line in late_only)
    assert any("No translate-test" in line for line in late_only)
    translated = method_notes({"bm25", "zeroshot_li", "teacher_dt_li"}, 400)
    assert any("No `teacher_en`" in line for line in translated)
    assert not any("No translate-test" in line for line in translated)
