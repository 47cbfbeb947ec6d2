"""Checks of the configured inputs that run when the workflow is parsed, so that
a dry run reports them and no job starts on inputs that cannot work.

What is checked (each error names the file and line, or the config key, and
says how to fix it):

- ``model.encoder``: a value written as a path (absolute, or starting with ``.``
  or ``~``), or an existing folder, must be a folder holding ``config.json``; any
  other value must have the form of a hub id (``name`` or ``org/name``).
- ``languages[*].bitext.tsv``: the file exists.
- ``source: local``: the layout of ``resources/<dataset>/`` (docs/configuration.md):
  every file the configured settings read exists; every target collection uses
  English passage ids (a subset of English's), and a target's ``queries.tsv`` and
  ``queries_en.tsv`` the same query ids; no query has more words than
  ``rerank.max_length`` leaves room for (each word is at least one token, so
  such a query leaves no room for a passage whatever the tokenizer; the rerank
  job checks the exact token count).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from optical_clir.errors import ConfigError, InputError

PIVOT = "en"
#: Tokens a cross-encoder adds around a (query, passage) pair: [CLS] q [SEP] p [SEP].
_SPECIAL_TOKENS = 3
_HUB_ID = re.compile(r"^[\w.-]+(/[\w.-]+)?$")

LAYOUT = (
    "source: local reads your own files from resources/<dataset>/<lang>/: "
    "collection.tsv (docid<TAB>text, the English passage ids in every language), "
    "queries.tsv (qid<TAB>text, in the language), queries_en.tsv (the English "
    "queries, targets only), qrels.txt (qid 0 docid rel) and bitext.tsv "
    "(english<TAB>foreign, targets only, unless languages[*].bitext names one); "
    "English also has triples.tsv (query<TAB>positive<TAB>negative). See "
    "docs/configuration.md"
)


def _looks_like_path(name: str) -> bool:
    return name.startswith(("/", ".", "~"))


def _resolve(name: str, root: Path) -> Path:
    """A configured path: ``~`` expanded, a relative one under ``root``."""
    path = Path(name).expanduser()
    return path if path.is_absolute() else root / path


def check_encoder(
    name: str | None, root: Path, source: str, built: Sequence[str] = ()
) -> None:
    """``model.encoder`` is null, an existing model folder, a folder that a rule
    of the workflow builds (``built``), or a hub id.

    Raises
    ------
    ConfigError
        A path that is not a model folder, or a value that is neither.
    """
    if name is None or name in built:
        return
    path = _resolve(name, root)
    if _looks_like_path(name) or path.exists():
        if not (path / "config.json").is_file():
            problem = "has no config.json" if path.is_dir() else "does not exist"
            raise ConfigError(
                "model.encoder",
                f"the local encoder folder '{name}' {problem} (resolved: {path}); "
                "give a folder with config.json and model.safetensors, or a "
                "Hugging Face id such as bert-base-multilingual-cased",
                source,
            )
        return
    if not _HUB_ID.match(name):
        raise ConfigError(
            "model.encoder",
            f"'{name}' is neither an existing folder nor a Hugging Face id "
            "(name or org/name); a local folder is resolved from the working "
            "directory",
            source,
        )


def check_bitext_files(languages: Sequence[Mapping], root: Path, source: str) -> None:
    """Every ``languages[*].bitext.tsv`` exists."""
    for index, entry in enumerate(languages):
        tsv = (entry.get("bitext") or {}).get("tsv")
        if tsv is None:
            continue
        path = _resolve(tsv, root)
        if not path.is_file():
            raise ConfigError(
                f"languages[{index}].bitext.tsv",
                f"no such file: {tsv} (resolved: {path}); give an existing "
                "english<TAB>foreign file",
                source,
            )


def _ids(path: Path) -> Iterator[tuple[int, str, str]]:
    """``(line number, id, text)`` of a ``id<TAB>text`` file (malformed lines are
    the readers' to report, with their line)."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            key, _, text = line.rstrip("\n").partition("\t")
            if key:
                yield number, key.strip(), text


def required_files(
    langs: Sequence[str],
    settings: Sequence[str],
    xling_query: str,
    encoder: str | None,
    external_bitext: Sequence[str],
) -> dict[str, list[str]]:
    """The files of ``resources/<dataset>/<lang>/`` that the settings read.

    Returns
    -------
    dict
        ``lang -> file names``, English first.
    """
    pretrain = ["pretrain.txt"] if encoder is None else []
    needed = {PIVOT: ["collection.tsv", "queries.tsv", "qrels.txt", "triples.tsv"]}
    needed[PIVOT] += pretrain
    for lang in langs:
        files = ["collection.tsv", "qrels.txt", *pretrain]
        if "en2x" in settings:
            files.append("queries_en.tsv")
        if {"x2en", "mono"} & set(settings) or (
            "en2x" in settings and xling_query == "translated"
        ):
            files.append("queries.tsv")
        if lang not in external_bitext:
            files.append("bitext.tsv")
        needed[lang] = files
    return needed


def check_local_layout(
    base: Path,
    langs: Sequence[str],
    settings: Sequence[str],
    xling_query: str,
    encoder: str | None,
    external_bitext: Sequence[str],
    max_length: int,
) -> None:
    """The ``source: local`` layout under ``base`` (``resources/<dataset>``).

    Raises
    ------
    InputError
        Naming the missing file, or the file and line of the first passage or
        query id that differs from English, or of an over-long query.
    """
    needed = required_files(langs, settings, xling_query, encoder, external_bitext)
    for lang, files in needed.items():
        for name in files:
            if not (base / lang / name).is_file():
                raise InputError(base / lang / name, f"missing. {LAYOUT}")
    english = base / PIVOT / "collection.tsv"
    english_ids = {key for _, key, _ in _ids(english)}
    for lang in langs:
        path = base / lang / "collection.tsv"
        for number, key, _ in _ids(path):
            if key not in english_ids:
                raise InputError(
                    path,
                    f"passage id '{key}' is not in {english}; every language must "
                    "use the English passage ids (teacher_en reads the English "
                    "originals of the same candidates)",
                    number,
                )
    room = max_length - _SPECIAL_TOKENS
    for lang in [PIVOT, *langs]:
        ids_by_file = {}
        for name in ("queries.tsv", "queries_en.tsv"):
            path = base / lang / name
            if name not in needed[lang]:
                continue
            ids_by_file[name] = []
            for number, key, text in _ids(path):
                ids_by_file[name].append(key)
                if len(text.split()) >= room:
                    raise InputError(
                        path,
                        f"query '{key}' has {len(text.split())} words, and "
                        f"rerank.max_length {max_length} leaves room for fewer "
                        "tokens with a passage; shorten the query or raise "
                        "rerank.max_length",
                        number,
                    )
        if len(ids_by_file) == 2:
            own, english_q = ids_by_file["queries.tsv"], ids_by_file["queries_en.tsv"]
            if set(own) != set(english_q):
                other = sorted(set(own) ^ set(english_q))[0]
                raise InputError(
                    base / lang / "queries.tsv",
                    f"its query ids differ from queries_en.tsv's (e.g. '{other}'); "
                    "a translated query keeps the id of its English original",
                )
