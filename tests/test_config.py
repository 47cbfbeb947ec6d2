"""Config validation: JSON schema first, then the cross-key rules."""

from __future__ import annotations

import copy

import pytest

from conftest import ROOT, TINY
from optical_clir.config import load_yaml, validate_config
from optical_clir.errors import ConfigError

SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


@pytest.fixture()
def config():
    return copy.deepcopy(load_yaml(TINY))


@pytest.mark.parametrize(
    "path",
    [
        ROOT / "config" / "config.yaml",
        ROOT / "config" / "simulation.yaml",
        ROOT / "config" / "realtext.yaml",
        ROOT / "config" / "mmarco.yaml",
        TINY,
        ROOT / "tests" / "config" / "realtext_tiny.yaml",
    ],
    ids=lambda p: p.name,
)
def test_shipped_configs_are_valid(path):
    from optical_clir.config import resolve_extends

    config = resolve_extends(load_yaml(path), ROOT, source=str(path))
    validate_config(config, SCHEMA, source=str(path))


SHIPPED = [
    ROOT / "config" / name
    for name in (
        "config.yaml",
        "simulation.yaml",
        "realtext.yaml",
        "mmarco.yaml",
        "ciral.yaml",
        "sweep.yaml",
        "large_world.yaml",
    )
] + [
    ROOT / "tests" / "config" / name
    for name in (
        "tiny.yaml",
        "realtext_tiny.yaml",
        "mmarco_tiny.yaml",
        "ciral_tiny.yaml",
    )
]


def _own(path):
    """A config file as it reads on its own: its keys, what it extends, the
    schema's defaults."""
    from optical_clir.config import resolve_extends

    config = load_yaml(path)
    resolve_extends(config, ROOT, source=str(path))
    return validate_config(config, SCHEMA, source=str(path))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_a_config_is_its_own_keys_and_the_defaults_as_the_workflow_loads_it(
    path, tmp_path
):
    """No tier inherits another's settings: the workflow's config (rule
    write_config) equals the file, what it names in `extends:`, and the schema's
    defaults; a real config has none of the simulation's keys."""
    import yaml

    from conftest import run_snakemake

    expected = _own(path)
    for entry in expected["languages"]:  # files a config names, placed as a user would
        tsv = (entry.get("bitext") or {}).get("tsv")
        if tsv and not tsv.startswith("/"):
            (tmp_path / tsv).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / tsv).write_text("a\tb\n")
    target = f"results/{expected['dataset']}/config.yaml"
    done = run_snakemake(tmp_path, target, configfile=path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert yaml.safe_load((tmp_path / target).read_text()) == expected
    if expected["source"] != "synthetic":
        simulation = _own(ROOT / "config" / "simulation.yaml")
        for section, key in [
            ("bm25", "pivot_analyzer"),
            ("teacher", "pooling"),
            ("teacher", "tie_query_key"),
            ("teacher", "random_negatives"),
            ("distill", "lr"),
        ]:
            assert expected[section][key] != simulation[section][key] or (
                key in load_yaml(path).get(section, {})
            ), (section, key)


def test_extends_merges_the_named_config_and_nothing_else(tmp_path):
    from optical_clir.config import resolve_extends

    base = tmp_path / "base.yaml"
    base.write_text("dataset: a\nseed: 3\nbm25: {k1: 1.5, b: 0.5}\n")
    config = {"extends": str(base), "bm25": {"k1": 0.9}, "dataset": "b"}
    resolve_extends(config, ROOT)
    assert config == {"dataset": "b", "seed": 3, "bm25": {"k1": 0.9, "b": 0.5}}
    with pytest.raises(ConfigError, match="'extends'.*nowhere.yaml"):
        resolve_extends({"extends": "nowhere.yaml"}, ROOT)
    loop = tmp_path / "loop.yaml"
    loop.write_text(f"extends: {loop}\n")
    with pytest.raises(ConfigError, match="extends itself"):
        resolve_extends({"extends": str(loop)}, ROOT)


def test_a_config_without_a_dataset_is_refused(config):
    del config["dataset"]
    with pytest.raises(ConfigError, match="'dataset' is a required property"):
        validate_config(config, SCHEMA, source="my.yaml")


def test_a_command_line_key_is_reported_as_one(tmp_path):
    """A typo given with --config names the command line, not a config file."""
    from conftest import run_snakemake

    done = run_snakemake(tmp_path, "-n", "--config", "seed=-4")
    assert done.returncode != 0
    assert "the command line (--config): key 'seed'" in done.stderr + done.stdout
    good = run_snakemake(tmp_path, "-n", "--config", "seed=5")
    assert good.returncode == 0, good.stderr[-2000:]
    bad_file = tmp_path / "bad.yaml"
    bad_file.write_text(TINY.read_text().replace("seed: 7", "seed: -4"))
    done = run_snakemake(tmp_path, "-n", configfile=bad_file)
    assert f"{bad_file}: key 'seed'" in done.stderr + done.stdout


def test_large_world_changes_only_the_world_of_the_simulation():
    """config/large_world.yaml (the earlier default) extends config/simulation.yaml:
    it sets four keys of `synthetic` and the teacher's hard negatives from the
    first step, and takes the rest of the world, the languages and the models
    from it."""
    base = _own(ROOT / "config" / "simulation.yaml")
    merged = _own(ROOT / "config" / "large_world.yaml")
    world = merged["synthetic"]
    assert (world["topics"], world["concepts_per_topic"]) == (40, 60)
    assert (base["synthetic"]["topics"], base["synthetic"]["concepts_per_topic"]) == (
        20,
        30,
    )
    assert world["passages"] == base["synthetic"]["passages"]
    assert merged["languages"] == base["languages"]
    assert {**merged["teacher"], "random_negatives": 0.1} == base["teacher"]
    assert merged["teacher"]["random_negatives"] == 0


def test_key_tying_on_a_pretrained_encoder_is_refused(config):
    """The simulation's prior overwrote E5's attention when a real config
    inherited it: zero-shot fell to the level of a random order."""
    config["model"]["encoder"] = "intfloat/multilingual-e5-small"
    config["teacher"]["tie_query_key"] = True
    with pytest.raises(
        ConfigError, match=r"teacher\.tie_query_key.*tie_query_key: false"
    ):
        validate_config(config, SCHEMA)
    config["teacher"]["tie_query_key"] = False
    validate_config(config, SCHEMA)


def test_defaults_are_filled(config):
    del config["bm25"]["threads"]
    validate_config(config, SCHEMA)
    assert config["bm25"]["threads"] >= 1


def test_unknown_top_level_key(config):
    config["bm52"] = {}
    with pytest.raises(ConfigError, match="'bm52' was unexpected"):
        validate_config(config, SCHEMA, source="my.yaml")


def test_unknown_nested_key_names_its_path(config):
    config["languages"][1]["synthetic"]["scrpit"] = "latin"
    with pytest.raises(ConfigError, match=r"my\.yaml: key 'languages\[1\]\.synthetic'"):
        validate_config(config, SCHEMA, source="my.yaml")


def test_wrong_type_names_key(config):
    config["bm25"]["k1"] = "fast"
    with pytest.raises(ConfigError, match=r"key 'bm25\.k1': 'fast' is not of type"):
        validate_config(config, SCHEMA)


def test_language_listed_twice(config):
    config["languages"].append(copy.deepcopy(config["languages"][0]))
    with pytest.raises(ConfigError, match=r"languages\[2\]\.name.*listed twice"):
        validate_config(config, SCHEMA)


def test_pivot_is_not_a_target(config):
    config["languages"][0]["name"] = "en"
    with pytest.raises(ConfigError, match="'en' is the pivot"):
        validate_config(config, SCHEMA)


def test_unknown_analyzer(config):
    config["languages"][0]["analyzer"] = "klingon"
    with pytest.raises(ConfigError, match=r"languages\[0\]\.analyzer.*'whitespace'"):
        validate_config(config, SCHEMA)


def test_pretraining_shares_must_fit(config):
    config["languages"][0]["synthetic"]["pretrain_share"] = 0.6
    with pytest.raises(ConfigError, match="sum to 1.200 > 1"):
        validate_config(config, SCHEMA)


def test_distill_layer_beyond_the_tiny_model(config):
    config["distill"]["layers"] = [3]  # the tiny config's model has 2 layers
    with pytest.raises(ConfigError, match=r"key 'distill.layers': 3 is out of range"):
        validate_config(config, SCHEMA)


def test_an_unsupported_measure_names_the_key(config):
    config["measures"] = ["nDCG@10", "MRR@10"]
    with pytest.raises(ConfigError, match=r"key 'measures': measure 'MRR@10'"):
        validate_config(config, SCHEMA, source="my.yaml")


def test_lower_layers_beyond_the_tiny_bert_are_refused(config):
    config["distill"].update(trainable="lower", lower_layers=5)
    with pytest.raises(ConfigError, match="distill.lower_layers"):
        validate_config(config, SCHEMA)


def test_specs_take_their_defaults_from_the_schema_only():
    import dataclasses

    from optical_clir import specs

    for cls in (
        specs.PretrainSpec,
        specs.TeacherSpec,
        specs.DistillSpec,
        specs.RerankSpec,
    ):
        spec = cls.from_config({})
        schema = specs.section_schema(cls.SECTION)["properties"]
        for field in dataclasses.fields(cls):
            assert field.default is dataclasses.MISSING  # no default of its own
            value = getattr(spec, field.name)
            if dataclasses.is_dataclass(value):
                value = dataclasses.asdict(value)
                default = specs.filled_section(
                    f"{cls.SECTION}.{field.name}", schema[field.name]["default"]
                )
            else:
                default = schema[field.name]["default"]
            assert value == (tuple(default) if isinstance(default, list) else default)
        with pytest.raises(dataclasses.FrozenInstanceError):
            spec.steps = 1 if hasattr(spec, "steps") else spec.depth


def test_a_spec_names_a_bad_key():
    from optical_clir.specs import DistillSpec

    with pytest.raises(ConfigError, match=r"'distill.collapse.action'"):
        DistillSpec.from_config({"collapse": {"action": "explode"}})
    with pytest.raises(ConfigError, match=r"'distill'.*'bogus'"):
        DistillSpec.from_config({"bogus": 1})


def test_seeds_default_to_the_data_seed_and_accept_command_line_text(config):
    validate_config(config, SCHEMA)
    assert config["seeds"] == [config["seed"]]
    config["seeds"] = ["7", "8"]  # as `--config seeds=[7,8]` passes them
    validate_config(config, SCHEMA)
    assert config["seeds"] == [7, 8]
    config["seeds"] = [7, 7]
    with pytest.raises(ConfigError, match=r"key 'seeds'.*non-unique"):
        validate_config(config, SCHEMA)
