"""Configuration validation: JSON Schema (draft 2020-12) plus semantic checks.

Defaults from the schema are filled in, every violation is reported with the
dotted path of its key, and checks that a schema cannot express (a language
listed twice, pretraining shares above 1) follow.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from optical_clir.analyzers import check_analyzer
from optical_clir.errors import ConfigError
from optical_clir.layers import resolve_layers

#: The config's JSON schema, in the checkout beside ``src/``.
SCHEMA = (
    Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"
)


def load_yaml(path: str | Path) -> Any:
    """Parse a YAML file; a syntax error names the file and line."""
    try:
        with open(path, encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except yaml.YAMLError as exc:
        raise ConfigError(
            "<file>", f"cannot parse YAML: {exc}", source=str(path)
        ) from None


def _key_path(parts: list[str | int]) -> str:
    out = ""
    for part in parts:
        out += (
            f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        )
    return out or "<root>"


def fill_defaults(instance: Any, schema: dict) -> None:
    """Insert schema ``default`` values for missing keys, recursively (in place)."""
    if isinstance(instance, dict) and schema.get("type") == "object":
        for key, sub in schema.get("properties", {}).items():
            if key not in instance and "default" in sub:
                instance[key] = _copy(sub["default"])
            if key in instance:
                fill_defaults(instance[key], sub)
    elif isinstance(instance, list) and isinstance(schema.get("items"), dict):
        for item in instance:
            fill_defaults(item, schema["items"])


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _check_teacher(config: Mapping, source: str) -> None:
    """Refuse the simulation's key-tying prior on a pretrained encoder.

    ``teacher.tie_query_key`` copies every layer's query projection onto its key
    projection: a lexical-matching start for the simulation's tiny BERT trained
    from scratch. On a pretrained encoder it overwrites the attention that
    pretraining learnt (in frozen layers too) and zero-shot transfer falls to the
    level of a random order. A config given with ``--configfile`` is merged over
    config/simulation.yaml, which sets it to true for the simulation, so a real
    config must set it to false itself.
    """
    if config["model"].get("encoder") and config["teacher"].get("tie_query_key"):
        raise ConfigError(
            "teacher.tie_query_key",
            f"is true with the pretrained encoder model.encoder = "
            f"{config['model']['encoder']!r}: it would overwrite the attention keys "
            "that pretraining learnt (every layer, frozen ones too). It is the "
            "simulation's prior for a BERT trained from scratch and comes from "
            "config/simulation.yaml when a --configfile does not set it; add "
            "'tie_query_key: false' under teacher:",
            source,
        )


def resolve_extends(
    config: MutableMapping, base_dir: str | Path, source: str = "config"
) -> MutableMapping:
    """Merge ``config`` over the config it names in ``extends:`` (in place).

    A config is complete on its own: nothing is inherited unless it says
    ``extends: <file>``, a path relative to the working directory or to
    ``base_dir`` (the checkout). The named file may extend another; the chain is
    merged base first, the key itself dropped.

    Raises
    ------
    ConfigError
        For a file that does not exist, or a cycle.
    """
    from snakemake.utils import update_config

    seen: list[str] = []
    while config.get("extends"):
        name = str(config.pop("extends"))
        path = Path(name)
        if not path.is_absolute() and not path.exists():
            path = Path(base_dir) / name
        if not path.exists():
            raise ConfigError(
                "extends",
                f"'{name}' does not exist (relative paths: the working "
                "directory, then the checkout)",
                source,
            )
        if str(path.resolve()) in seen:
            raise ConfigError("extends", f"'{name}' extends itself", source)
        seen.append(str(path.resolve()))
        merged = load_yaml(path) or {}
        update_config(merged, dict(config))
        config.clear()
        config.update(merged)
    config.pop("extends", None)
    return config


def command_line_source(key: str, cli: Mapping | None, source: str) -> str:
    """Where a key's value came from: ``--config`` on the command line when it
    was given there, else the config files."""
    node: Any = cli or {}
    for part in key.replace("[", ".").replace("]", "").split("."):
        if not isinstance(node, Mapping) or part not in node:
            return source
        node = node[part]
    return "the command line (--config)"


def validate_config(
    config: MutableMapping,
    schema_path: str | Path,
    source: str = "config",
    cli: Mapping | None = None,
) -> MutableMapping:
    """Validate ``config`` in place against the schema, filling defaults.

    ``cli`` holds the keys given with ``--config``: an error in one of them
    names the command line instead of ``source``.

    Raises
    ------
    ConfigError
        Naming the first offending key (all schema violations are listed).
    """
    try:
        return _validate(config, schema_path, source)
    except ConfigError as exc:
        where = command_line_source(exc.key, cli, source)
        if where == source:
            raise
        message = str(exc).split(f"key '{exc.key}': ", 1)[-1]
        raise ConfigError(exc.key, message, where) from None


def _validate(
    config: MutableMapping, schema_path: str | Path, source: str
) -> MutableMapping:
    schema = load_yaml(schema_path)
    if "setting" in config:
        raise ConfigError(
            "setting",
            "replaced by 'settings', a list named by the languages of the queries "
            "and the passages: en2x (English queries over target passages; was "
            "xling), x2en (target queries over English passages), mono; for "
            "example 'settings: [en2x]'",
            source,
        )
    seeds = config.get("seeds")
    if isinstance(seeds, list):  # `--config seeds=[7,8]` gives them as text
        config["seeds"] = [
            int(s) if isinstance(s, str) and s.strip().isdigit() else s for s in seeds
        ]
    fill_defaults(config, schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(
        validator.iter_errors(dict(config)),
        key=lambda e: list(map(str, e.absolute_path)),
    )
    if errors:
        first = errors[0]
        lines = [f"{_key_path(list(e.absolute_path))}: {e.message}" for e in errors]
        raise ConfigError(
            _key_path(list(first.absolute_path)),
            first.message + ("\n  " + "\n  ".join(lines[1:]) if len(lines) > 1 else ""),
            source,
        )
    if config["seeds"] is None:  # one model seed: the data's
        config["seeds"] = [config["seed"]]
    seen: dict[str, int] = {}
    for i, lang in enumerate(config["languages"]):
        name = lang["name"]
        if name in seen:
            raise ConfigError(
                f"languages[{i}].name",
                f"language '{name}' is listed twice (also languages[{seen[name]}]);"
                " remove one entry",
                source,
            )
        if name == "en":
            raise ConfigError(
                f"languages[{i}].name",
                "'en' is the pivot; list target languages only",
                source,
            )
        seen[name] = i
        try:
            check_analyzer(lang["analyzer"])
        except ValueError as exc:
            raise ConfigError(f"languages[{i}].analyzer", str(exc), source) from None
    try:
        check_analyzer(config["bm25"]["pivot_analyzer"])
    except ValueError as exc:
        raise ConfigError("bm25.pivot_analyzer", str(exc), source) from None
    _check_teacher(config, source)
    if config["distill"]["target"] == "output" and "cross_encoder" in config["rankers"]:
        raise ConfigError(
            "distill.target",
            "output (the ranker's token vectors) exists for late interaction only; "
            "set it under distill.late_interaction",
            source,
        )
    if config["source"] == "synthetic":
        syn = config["synthetic"]
        shares = syn["pivot_pretrain_share"] + sum(
            lang["synthetic"]["pretrain_share"] for lang in config["languages"]
        )
        if shares > 1.0 + 1e-9:
            raise ConfigError(
                "languages[*].synthetic.pretrain_share",
                f"pretraining shares (pivot included) sum to {shares:.3f} > 1;"
                " lower them",
                source,
            )
        if syn["test_queries"] > syn["passages"]:
            raise ConfigError(
                "synthetic.test_queries", "must not exceed synthetic.passages", source
            )
        low, high = syn["passage_words"]
        if low > high:
            raise ConfigError(
                "synthetic.passage_words", "the minimum exceeds the maximum", source
            )
    from optical_clir.evaluate.metrics import resolve_names

    try:
        resolve_names(config["measures"], config["rerank"]["depth"])
    except ValueError as exc:
        raise ConfigError("measures", str(exc), source) from None
    _check_real_data(config, source)
    if config["source"] == "bible":
        _check_bible(config, source)
    if config["source"] == "ciral":
        _check_ciral(config, source)
    elif config["rerank"]["first_stage"] == "bm25_dt":
        raise ConfigError(
            "rerank.first_stage",
            "bm25_dt needs English translations of the passages, which only source "
            "ciral has; use bm25",
            source,
        )
    if config["model"]["prune_vocab"] and config["model"]["encoder"] is None:
        raise ConfigError(
            "model.prune_vocab",
            "only a pretrained encoder (model.encoder) has a vocabulary to prune; the "
            "tiny BERT's is trained on this data already",
            source,
        )
    if config["model"]["encoder"] is None:  # the tiny BERT: its depth is known now
        if config["distill"]["trainable"] == "lower" and (
            config["distill"]["lower_layers"] > config["model"]["layers"]
        ):
            raise ConfigError(
                "distill.lower_layers",
                f"exceeds the {config['model']['layers']} layers of the tiny BERT "
                "(model.layers)",
                source,
            )
        try:
            resolve_layers(config["distill"]["layers"], config["model"]["layers"] + 1)
        except ValueError as exc:
            key, message = str(exc).split(": ", 1)
            raise ConfigError(key, f"{message} (model.layers)", source) from None
    return config


def _check_ciral(config: Mapping, source: str) -> None:
    """CIRAL: its four languages, an external bitext each, English queries."""
    from optical_clir.data import ciral

    for i, lang in enumerate(config["languages"]):
        if lang["name"] not in ciral.NAMES:
            raise ConfigError(
                f"languages[{i}].name",
                f"'{lang['name']}' is not a CIRAL language; use one of "
                f"{', '.join(ciral.NAMES)}",
                source,
            )
        if not lang.get("bitext"):
            raise ConfigError(
                f"languages[{i}].bitext",
                "CIRAL ships no bitext: give a TSV or a Hugging Face dataset "
                "(english, foreign columns)",
                source,
            )
    if config["settings"] != ["en2x"]:
        raise ConfigError(
            "settings",
            "CIRAL's queries are English and it has no English passages: use [en2x]",
            source,
        )


def _check_bible(config: Mapping, source: str) -> None:
    """The real-text tier: no reserved data, disjoint books, no translated query."""
    from optical_clir.data import bible

    bible.check_params(
        config["bible"], [lang["name"] for lang in config["languages"]], source
    )
    for i, lang in enumerate(config["languages"]):
        try:
            bible.translation_of(lang["name"], config["bible"])
        except ConfigError as exc:
            raise ConfigError(
                f"languages[{i}].name", str(exc).split(": ", 2)[-1], source
            ) from None
    task = config["bible"]["task"]
    if task == "verse" and "mono" in config["settings"]:
        raise ConfigError(
            "settings",
            "with bible.task: verse a mono query is the very text of its relevant "
            "verse; use en2x or x2en, or bible.task: crossref",
            source,
        )
    if task == "verse" and config["bm25"]["xling_query"] == "translated":
        raise ConfigError(
            "bm25.xling_query",
            "with bible.task: verse a translated query is a sibling translation of "
            "its own relevant verse, which makes BM25 almost perfect; use pivot or "
            "english",
            source,
        )


def _check_real_data(config: Mapping, source: str) -> None:
    """Checks of the real-data sources (mMARCO codes, encoder, external bitext)."""
    from optical_clir.data.mmarco import NAMES

    for i, lang in enumerate(config["languages"]):
        bitext = lang.get("bitext")
        if bitext is not None and ("tsv" in bitext) == ("hf_dataset" in bitext):
            raise ConfigError(
                f"languages[{i}].bitext",
                "give exactly one of 'tsv' or 'hf_dataset'",
                source,
            )
        if bitext and "hf_dataset" in bitext and "columns" not in bitext:
            raise ConfigError(
                f"languages[{i}].bitext.columns",
                "name the [english, foreign] columns of the dataset",
                source,
            )
        if config["source"] == "mmarco" and lang["name"] not in NAMES:
            raise ConfigError(
                f"languages[{i}].name",
                f"'{lang['name']}' is not an mMARCO language; use one of "
                f"{', '.join(sorted(set(NAMES) - {'en'}))}",
                source,
            )
    if config["source"] != "synthetic" and config["model"]["encoder"] is None:
        raise ConfigError(
            "model.encoder",
            f"source '{config['source']}' has no pretraining corpus for a tiny BERT; "
            "name a hub checkpoint (e.g. bert-base-multilingual-cased) or a local "
            "model directory",
            source,
        )
