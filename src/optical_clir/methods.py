"""The methods of the table: one registry that the workflow and the evaluation read.

A method is one row per language in ``table.csv``. Its entry says what it needs
(a first-stage run, a model, which queries and passages it reads), where it sits
in the table and the figure, and its colour. ``workflow/rules/common.smk`` builds
the jobs from it; ``table``, ``analysis`` and ``report`` order, test and draw
from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

Kind = Literal["reference", "first_stage", "neural"]
#: Neural ranker families (``rankers:`` in the config).
FAMILIES = ("cross_encoder", "late_interaction")
#: How a family's method, teacher and student names end (the cross-encoder's
#: names carry no suffix).
SUFFIX = {"cross_encoder": "", "late_interaction": "_li"}
#: The settings, by the language of the queries and of the passages: ``en2x``
#: English queries over target-language passages, ``x2en`` target-language
#: queries over the English passages, ``mono`` both in the target language.
SETTINGS = {
    "en2x": ("pivot", "target"),
    "x2en": ("target", "pivot"),
    "mono": ("target", "target"),
}
#: Queries a reranker reads: the pivot's English queries (``pivot``), the
#: queries of the setting (``setting``: the target's English queries in en2x,
#: its own in x2en and mono), or always the target's English queries
#: (``english``).
Queries = Literal["pivot", "setting", "english"]
#: Passages a reranker reads: those of the setting (``setting``: the target's in
#: en2x and mono, the English originals in x2en), the pivot's English
#: originals, or the target's passages machine-translated into English.
Passages = Literal["setting", "pivot", "translated"]


@dataclass(frozen=True)
class Method:
    """One method of the table.

    Attributes
    ----------
    name
        The ``method`` column and the run file's name.
    kind
        ``reference`` (no run file: computed from the candidates), ``first_stage``
        (a BM25 run) or ``neural`` (a reranking of the candidates).
    order
        Position in the table, the figure and the report.
    colour
        Its colour in the figure.
    label
        How the report names it.
    model
        For a neural method, the model that scores: ``teacher`` or ``optical``
        (the language's student).
    queries, passages
        For a neural method, what it reads.
    needs_translations
        Only where the collection ships English translations of its passages
        (CIRAL): ``bm25_dt`` and ``teacher_dt``.
    on_pivot
        Also evaluated on the pivot language (English).
    family
        The neural ranker family of a neural method (``cross_encoder``,
        ``late_interaction``); for ``random_collection``, the family whose
        chance level it is.
    base
        The name without the family's suffix (``zeroshot`` for ``zeroshot_li``).
    needs_full_ranking
        Only where late interaction ranks the whole collection
        (``rerank.full_ranking``): ``random_collection``.
    """

    name: str
    kind: Kind
    order: int
    colour: str
    label: str
    model: str | None = None
    queries: Queries = "setting"
    passages: Passages = "setting"
    needs_translations: bool = False
    on_pivot: bool = False
    family: str | None = None
    base: str = ""
    needs_full_ranking: bool = False

    def __post_init__(self) -> None:
        if not self.base:
            object.__setattr__(self, "base", self.name)

    @property
    def model_name(self) -> str | None:
        """The model folder's name under ``results/<dataset>/models/``: the
        family's teacher (``teacher``, ``teacher_li``) or student prefix
        (``optical``, ``optical_li``: ``<prefix>-<lang>``)."""
        if self.model is None or self.family is None:
            return None
        return self.model + SUFFIX[self.family]


_BASE = {
    m.name: m
    for m in (
        Method("random", "reference", 0, "#e0e0e0", "random order", on_pivot=True),
        Method(
            "random_collection",
            "reference",
            1,
            "#c8c8c8",
            "random order of the whole collection",
            on_pivot=True,
            family="late_interaction",
            needs_full_ranking=True,
        ),
        Method("bm25", "first_stage", 2, "#9e9e9e", "BM25", on_pivot=True),
        Method(
            "bm25_dt",
            "first_stage",
            3,
            "#616161",
            "BM25 over translations (bm25_dt)",
            needs_translations=True,
        ),
        Method("zeroshot", "neural", 4, "#e69f00", "zero-shot", model="teacher"),
        Method("optical", "neural", 5, "#0072b2", "OPTICAL", model="optical"),
        Method(
            "teacher_en",
            "neural",
            6,
            "#009e73",
            "teacher on English (teacher_en)",
            model="teacher",
            queries="pivot",
            passages="pivot",
            on_pivot=True,
        ),
        Method(
            "teacher_dt",
            "neural",
            7,
            "#cc79a7",
            "translate-test (teacher_dt)",
            model="teacher",
            queries="english",
            passages="translated",
            needs_translations=True,
        ),
    )
}
#: The late-interaction family's colours: lighter shades of the cross-encoder's.
_LI_COLOURS = {
    "zeroshot": "#f5c766",
    "optical": "#56b4e9",
    "teacher_en": "#7fd3b4",
    "teacher_dt": "#e5b3d3",
}


def _family_variant(method: Method, family: str) -> Method:
    if family == "cross_encoder":
        return replace(method, family=family)
    return replace(
        method,
        name=method.name + SUFFIX[family],
        order=method.order + 4,
        colour=_LI_COLOURS[method.name],
        label=f"{method.label}, late interaction",
        family=family,
        base=method.name,
    )


#: Every method by name: the references and first stages, and each neural method
#: once per ranker family.
REGISTRY: dict[str, Method] = {}
for _method in _BASE.values():
    for _family in FAMILIES if _method.kind == "neural" else (None,):
        _variant = _family_variant(_method, _family) if _family else _method
        REGISTRY[_variant.name] = _variant
#: Methods that OPTICAL is tested against, where present (per family).
BASELINES = ("zeroshot", "teacher_dt")
#: The monolingual reference that the translations replace where present.
REPLACED_BY_TRANSLATIONS = {"teacher_en": "teacher_dt"}


def student_tower(name: str, setting: str) -> str:
    """Which side of the ranker the method's OPTICAL student reads (the table's
    ``student`` column): empty without a student; ``pair`` for a cross-encoder
    (one model reads the query and the passage together, so its student reads
    English too); for late interaction, the tower that reads the target
    language: ``passage`` in en2x, ``query`` in x2en, ``both`` in mono (the
    English side, where there is one, is the teacher's tower)."""
    method = REGISTRY[name]
    if method.model != "optical":
        return ""
    if method.family != "late_interaction":
        return "pair"
    query_lang, passage_lang = SETTINGS[setting]
    if query_lang == passage_lang:
        return "both"
    return "passage" if passage_lang == "target" else "query"


def towers(name: str, setting: str) -> tuple[str, str]:
    """The models (``teacher`` or ``optical``) that read the query and the
    passage of a neural method in ``setting``: the student reads only the target
    language in a late-interaction ranker, everything in a cross-encoder."""
    method = REGISTRY[name]
    if method.model != "optical" or method.family != "late_interaction":
        return method.model or "", method.model or ""
    query_lang, passage_lang = SETTINGS[setting]
    return (
        "optical" if query_lang == "target" else "teacher",
        "optical" if passage_lang == "target" else "teacher",
    )


def order() -> dict[str, int]:
    """Table position of every method by name."""
    return {name: method.order for name, method in REGISTRY.items()}


def colours() -> dict[str, str]:
    """Figure colour of every method by name."""
    return {name: method.colour for name, method in REGISTRY.items()}


def for_dataset(
    translated_passages: bool,
    rankers: Sequence[str] = ("cross_encoder",),
    full_ranking: bool = False,
) -> list[Method]:
    """The methods of a dataset in table order.

    Parameters
    ----------
    translated_passages
        Whether the collection ships English translations of its passages (CIRAL):
        then ``bm25_dt`` and ``teacher_dt`` join, and ``teacher_en`` (which needs
        the English originals) leaves.
    rankers
        The neural ranker families of the config (``rankers:``).
    full_ranking
        Whether late interaction ranks the whole collection
        (``rerank.full_ranking``): then ``random_collection``, its chance level,
        joins.
    """
    chosen = []
    for method in REGISTRY.values():
        if method.needs_translations and not translated_passages:
            continue
        if method.needs_full_ranking and not full_ranking:
            continue
        if translated_passages and method.base in REPLACED_BY_TRANSLATIONS:
            continue
        if method.family is not None and method.family not in rankers:
            continue
        chosen.append(method)
    return sorted(chosen, key=lambda m: m.order)


def counterpart(name: str, base: str) -> str:
    """The method ``base`` of the same family as the method ``name``
    (``counterpart("optical_li", "zeroshot") == "zeroshot_li"``)."""
    family = REGISTRY[name].family or "cross_encoder"
    return base + SUFFIX[family]


def of_base(names_: Sequence[str], base: str) -> list[str]:
    """Those of ``names_`` that are ``base`` in some family, in registry order."""
    return [n for n in names_ if n in REGISTRY and REGISTRY[n].base == base]


def names(methods: list[Method], kind: Kind | None = None) -> list[str]:
    """Names of ``methods`` (of one ``kind`` if given), in their order."""
    return [m.name for m in methods if kind is None or m.kind == kind]


def for_language(methods: list[Method], is_pivot: bool) -> list[str]:
    """Names of the methods evaluated for one language (English: those with
    ``on_pivot``)."""
    return [m.name for m in methods if m.on_pivot or not is_pivot]


def chance_level(family: str | None, present: Sequence[str]) -> str | None:
    """The reference that is a ranker family's chance level, of those in
    ``present``: the family's own reference where there is one (late
    interaction's ``random_collection``, a random order of the whole collection
    it ranks), else a random order of the reranked candidates (``random``);
    ``None`` without either."""
    references = [
        name
        for name in present
        if name in REGISTRY and REGISTRY[name].kind == "reference"
    ]
    own = [name for name in references if REGISTRY[name].family == family]
    if own and family is not None:
        return own[0]
    return "random" if "random" in references else None
