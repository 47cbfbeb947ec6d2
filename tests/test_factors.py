"""The resource-factor sweep: series found in the config, points, figure."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
from snakemake.utils import update_config

from optical_clir.config import SCHEMA, load_yaml, validate_config
from optical_clir.evaluate.factors import factor_points, factor_series, plot_factors

ROOT = Path(__file__).resolve().parents[1]


def sweep_languages() -> list[dict]:
    merged = load_yaml(ROOT / "config" / "simulation.yaml")
    update_config(merged, load_yaml(ROOT / "config" / "sweep.yaml"))
    return validate_config(merged, SCHEMA, source="config/sweep.yaml")["languages"]


def test_the_sweep_config_varies_one_factor_at_a_time():
    languages = sweep_languages()
    series = factor_series(languages)
    assert series == {
        "bitext_pairs": ["dunmori", "bresal", "feltavi"],
        "pretrain_share": ["gorreth", "bresal", "hulvane"],
    }
    by_name = {lang["name"]: lang for lang in languages}
    # along each series, everything but the factor is the same
    for factor, names in series.items():
        shapes = []
        for name in names:
            lang = copy.deepcopy(by_name[name])
            del lang["name"], lang["resource"]
            if factor == "bitext_pairs":
                del lang["bitext_pairs"]
            else:
                del lang["synthetic"]["pretrain_share"]
            shapes.append(lang)
        assert all(shape == shapes[0] for shape in shapes)


def test_the_simulation_config_has_no_series():
    # high = (20,000 pairs, share 0.25), low = (2,000, 0.05): both factors move at once
    languages = load_yaml(ROOT / "config" / "simulation.yaml")["languages"]
    assert factor_series(languages) == {}


def test_a_series_with_a_repeated_value_is_refused():
    languages = copy.deepcopy(sweep_languages())
    languages[1]["bitext_pairs"] = languages[0]["bitext_pairs"]  # dunmori = bresal
    with pytest.raises(ValueError, match=r"repeat a value of bitext_pairs"):
        factor_series(languages)


def test_points_average_the_seeds_and_draw(tmp_path):
    languages = sweep_languages()
    rows = [("bresal", "random", "", 0.1)]
    for name, base in [("dunmori", 0.2), ("bresal", 0.3), ("feltavi", 0.4)]:
        rows += [(name, "optical", "13", base), (name, "optical", "14", base + 0.02)]
        rows += [(name, "zeroshot", "13", 0.15), (name, "zeroshot", "14", 0.17)]
    for name in ("gorreth", "hulvane"):
        rows += [(name, "zeroshot", "13", 0.1)]
    table = pd.DataFrame(rows, columns=["lang", "method", "seed", "nDCG@10"])
    points = factor_points(table, languages)
    bitext = points[points["factor"] == "bitext_pairs"].set_index(["lang", "method"])
    assert bitext.loc[("feltavi", "optical"), "mean"] == pytest.approx(0.41)
    assert bitext.loc[("feltavi", "optical"), "value"] == 20000
    assert bitext.loc[("feltavi", "optical"), "n_seeds"] == 2
    low, high = bitext.loc[("feltavi", "optical"), ["low", "high"]]
    assert low < 0.41 < high
    assert pd.isna(bitext.loc[("bresal", "random"), "low"])  # no seed, no interval
    shares = points[points["factor"] == "pretrain_share"]
    assert list(shares[shares["method"] == "zeroshot"]["value"]) == [0.02, 0.1, 0.25]
    figure = tmp_path / "factors.png"
    plot_factors(points, figure, "sweep")
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="config/sweep.yaml"):
        plot_factors(points.iloc[0:0], tmp_path / "none.png", "none")
    assert not (tmp_path / "none.png").exists()
