"""Frozen, typed views of the config's sections, built once where a stage starts.

The JSON schema (``workflow/schemas/config.schema.yaml``) is the one source of
defaults: :func:`section_spec` fills a section's missing keys from the schema,
validates it (an error names the key), and reads every field by name. The
dataclasses below declare no defaults of their own, and the code below them
reads attributes, never ``.get(key, default)``.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import jsonschema

from optical_clir.config import SCHEMA, fill_defaults, load_yaml
from optical_clir.errors import ConfigError

Spec = TypeVar("Spec")


@functools.cache
def _schema() -> dict:
    return load_yaml(SCHEMA)


def section_schema(path: str) -> dict:
    """The schema of a dotted config section (``distill``, ``model.pretrain``)."""
    node = _schema()
    for key in path.split("."):
        node = node["properties"][key]
    return node


def filled_section(path: str, section: Mapping | None) -> dict:
    """A copy of ``section`` with the schema's defaults filled in, validated.

    Raises
    ------
    ConfigError
        Naming ``path.key`` of the first violation (an unknown key included).
    """
    schema = section_schema(path)
    values = _plain(section or {})
    fill_defaults(values, schema)
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(values),
        key=lambda e: list(map(str, e.absolute_path)),
    )
    if errors:
        where = ".".join([path, *map(str, errors[0].absolute_path)])
        raise ConfigError(where, errors[0].message)
    return values


def section_spec(cls: type[Spec], path: str, section: Mapping | None) -> Spec:
    """Build the frozen ``cls`` from the config section at ``path``."""
    values = filled_section(path, section)
    kwargs = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        value = values[field.name]
        nested = _NESTED.get((cls, field.name))
        if nested is not None:
            value = section_spec(nested, f"{path}.{field.name}", value)
        elif isinstance(value, list):
            value = tuple(value)
        kwargs[field.name] = value
    return cls(**kwargs)


def as_settings(spec: Any) -> dict:
    """A spec as plain data (for fingerprints and logs)."""
    return dataclasses.asdict(spec)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


class ConfigSection:
    """A spec read from one config section (``SECTION``, dotted)."""

    SECTION: ClassVar[str]

    @classmethod
    def from_config(cls: type[Spec], section: Mapping | None) -> Spec:
        """The spec of ``section`` (missing keys take the schema's defaults)."""
        return section_spec(cls, cls.SECTION, section)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class TrainingSection(ConfigSection):
    """What every training section sets: steps of ``batch_size`` sequences at a
    peak learning rate ``lr``, a checkpoint every ``checkpoint_every`` steps."""

    steps: int
    batch_size: int
    lr: float
    checkpoint_every: int


@dataclass(frozen=True)
class PretrainSpec(TrainingSection):
    """``model.pretrain``: masked-language-model pretraining of the tiny BERT."""

    SECTION: ClassVar[str] = "model.pretrain"

    mlm_probability: float
    grad_accum: ClassVar[int] = 1  # pretraining does not accumulate


@dataclass(frozen=True)
class TeacherSpec(TrainingSection):
    """``teacher``: fine-tuning the English teacher of a ranker family."""

    SECTION: ClassVar[str] = "teacher"

    grad_accum: int
    max_length: int
    max_triples: int | None
    pooling: str
    frozen_layers: int | None
    tie_query_key: bool
    random_negatives: float


@dataclass(frozen=True)
class CollapseSpec:
    """``distill.collapse``: the guard on held-out bitext pairs."""

    check_every: int
    min_ratio: float
    action: str


@dataclass(frozen=True)
class DistillSpec(TrainingSection):
    """``distill``: OPTICAL's loss, what it trains, and its optimisation."""

    SECTION: ClassVar[str] = "distill"

    grad_accum: int
    layers: tuple[int, ...]
    target: str
    reg: float
    marginals: str
    grad_mode: str
    solver: str
    trainable: str
    lower_layers: int
    freeze_pivot_rows: bool
    english_anchor: float
    contrastive: float
    contrastive_temperature: float
    heldout_pairs: int
    collapse: CollapseSpec
    max_iter: int
    tol: float
    max_length: int


def distill_section(section: Mapping | None, family: str) -> dict:
    """The ``distill`` section as one ranker family's students read it: the
    late-interaction family's non-null ``distill.late_interaction`` keys
    replace the shared ones."""
    values = dict(section or {})
    overrides = values.pop("late_interaction", None) or {}
    if family == "late_interaction":
        values.update({k: v for k, v in overrides.items() if v is not None})
    return values


@dataclass(frozen=True)
class RerankSpec(ConfigSection):
    """``rerank``: which first stage is reordered, how deep, in what batches."""

    SECTION: ClassVar[str] = "rerank"

    depth: int
    first_stage: str
    batch_size: int
    max_length: int
    union: bool


_NESTED: dict[tuple[type, str], type] = {(DistillSpec, "collapse"): CollapseSpec}
