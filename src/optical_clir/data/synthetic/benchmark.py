"""Write the synthetic benchmark in the exact formats of the mMARCO path.

Per language directory ``resources/<dataset>/<lang>/``:

- ``collection.tsv``: ``docid<TAB>text`` (docids shared across languages, as in mMARCO)
- ``queries_en.tsv`` and ``queries.tsv``: English originals and target-language queries
- ``qrels.txt``: TREC qrels
- ``bitext.tsv``: ``english<TAB>foreign`` sentence pairs
- ``pretrain.txt``: monolingual pretraining text, one passage a line

The English pivot ``resources/<dataset>/en/`` also has ``triples.tsv`` (MS MARCO
``query<TAB>positive<TAB>negative`` training triples).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from optical_clir.atomic import atomic_open
from optical_clir.data.synthetic.language import LanguageSpec, SyntheticLanguage
from optical_clir.data.synthetic.rng import stream
from optical_clir.data.synthetic.world import Passage, World, WorldSpec
from optical_clir.formats import (
    read_collection,
    read_qrels,
    read_queries,
    write_pairs,
    write_qrels,
    write_triples,
)

logger = logging.getLogger(__name__)

QID_OFFSET = 1_000_000
TRAIN_QID_OFFSET = 2_000_000


@dataclass(frozen=True)
class BenchmarkSpec:
    """Sizes of the generated benchmark (see ``config/simulation.yaml``)."""

    world: WorldSpec
    passages: int = 5000
    train_queries: int = 3000
    test_queries: int = 200
    negatives_per_query: int = 2
    pretrain_passages: int = 20000
    pivot_pretrain_share: float = 0.4
    code_switch: float = 0.0
    max_partial_relevant: int = 10

    @classmethod
    def from_config(cls, section: Mapping) -> BenchmarkSpec:
        """Build from the ``synthetic`` config section (already schema-validated)."""
        world_keys = {f for f in WorldSpec.__dataclass_fields__}
        world = {k: v for k, v in section.items() if k in world_keys}
        if "passage_words" in world:
            world["passage_words"] = tuple(world["passage_words"])
        rest = {
            k: v
            for k, v in section.items()
            if k in cls.__dataclass_fields__ and k != "world"
        }
        return cls(world=WorldSpec(**world), **rest)


def _relevance(
    passages: list[Passage],
    by_topic: Mapping[int, list[int]],
    source: int,
    concepts: list[int],
    limit: int,
) -> dict[int, int]:
    """Grade 2 for the source passage; 1 for same-topic ones on >= 2 query concepts."""
    grades = {source: 2}
    wanted = set(concepts)
    for idx in by_topic[passages[source].topic]:
        if len(grades) > limit:
            break
        if idx != source and len(wanted.intersection(passages[idx].keys)) >= 2:
            grades[idx] = 1
    return grades


def _concept_matches(
    by_concept: Mapping[int, np.ndarray], concepts: Iterable[int]
) -> tuple[np.ndarray, np.ndarray]:
    """The passages about at least one of ``concepts``, and about how many.

    ``by_concept`` maps a concept to the (ascending) indices of the passages it
    is a key concept of. Returns ``(passages, counts)``, both of shape (k,):
    ascending passage indices and, for each, how many of the (distinct)
    ``concepts`` it is about (a key a passage listed twice would count twice).
    """
    lists = [by_concept[c] for c in set(concepts) if c in by_concept]
    if not lists:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    return np.unique(np.concatenate(lists), return_counts=True)


def _relevant_set(
    by_concept: Mapping[int, np.ndarray], source: int, concepts: Iterable[int]
) -> set[int]:
    """Every passage :func:`_relevance` would grade, without a limit.

    Passages about at least two of the query's (topical, hence same-topic)
    concepts, found through the concept index instead of a scan of the topic.
    """
    passages, counts = _concept_matches(by_concept, concepts)
    return {source, *passages[counts >= 2].tolist()}


def _write_pretrain(
    path: str | Path,
    world: World,
    lines: int,
    seed: int,
    name: str,
    language: SyntheticLanguage | None,
    code_switch: float = 0.0,
) -> None:
    """Write ``lines`` pretraining passages, translated when ``language`` is given.

    A translated passage leaves each word in English with probability
    ``code_switch`` (its own random stream, so the passages do not change with it).
    """
    rng = stream(seed, "pretrain", name)
    switch = stream(seed, "code_switch", name)
    with atomic_open(path) as handle:
        for _ in range(lines):
            text = world.passage(rng).text
            if language is not None:
                text = language.translate(text, rng=switch, code_switch=code_switch)
            handle.write(text + "\n")


def training_triples(
    world: World, spec: BenchmarkSpec, seed: int, stream_name: str = "train"
) -> list[tuple[str, str, str]]:
    """English training triples drawn from their own passage pool.

    The pool is disjoint from the test collection and about as large as the
    number of triples, so a ranker cannot score well by memorising which
    passages are positives; it has to learn query-passage matching. Negatives
    are, like MS MARCO's BM25-mined ones, mostly non-relevant passages that share
    a query concept (lexically close), else any passage of the same topic.
    Another ``stream_name`` draws a fresh pool of the same world (held-out
    triples for diagnostics, as in ``bench/teacher_probe.py``).
    """
    rng = stream(seed, stream_name)
    size = spec.train_queries * (1 + spec.negatives_per_query)
    pool = [world.passage(rng) for _ in range(size)]
    by_topic: dict[int, list[int]] = {}
    concept_lists: dict[int, list[int]] = {}
    for idx, p in enumerate(pool):
        by_topic.setdefault(p.topic, []).append(idx)
        for concept in p.keys:
            concept_lists.setdefault(int(concept), []).append(idx)
    by_concept = {c: np.asarray(i, dtype=np.int64) for c, i in concept_lists.items()}
    topics = {t: np.asarray(i, dtype=np.int64) for t, i in by_topic.items()}
    triples: list[tuple[str, str, str]] = []
    # Triples come in mirrored pairs: (q(p), p, n) and then (q(n), n, p) with a
    # fresh query about the negative. Every passage is then as often a positive
    # as a negative, so nothing about a passage alone (say, how common its
    # concepts are, which biases hard-negative mining) predicts the label: only
    # the query-passage relation does.
    for source in rng.permutation(size)[: max(spec.train_queries // 2, 1)]:
        positive = pool[int(source)]
        text, concepts = world.query(positive, rng)
        matches, counts = _concept_matches(by_concept, concepts)
        relevant = {int(source), *matches[counts >= 2].tolist()}
        # passages about exactly one of the query's concepts (ascending)
        hard = matches[(counts == 1) & (matches != source)]
        for _ in range(spec.negatives_per_query):
            use_hard = len(hard) > 0 and rng.random() < 0.8
            choices = hard if use_hard else topics[positive.topic]
            neg = int(source)
            for _attempt in range(20):
                neg = int(rng.choice(choices))
                if neg not in relevant:
                    break
            if neg in relevant:
                continue
            triples.append((text, positive.text, pool[neg].text))
            mirror, mirror_concepts = world.query(pool[neg], rng)
            if int(source) not in _relevant_set(by_concept, neg, mirror_concepts):
                triples.append((mirror, pool[neg].text, positive.text))
    return triples


def generate_pivot(
    spec: BenchmarkSpec, seed: int, out: Mapping[str, str | Path]
) -> None:
    """Generate the English pivot: collection, queries, qrels, triples, pretraining.

    Parameters
    ----------
    spec:
        Benchmark sizes.
    seed:
        Master seed.
    out:
        Paths for keys ``collection``, ``queries``, ``queries_en``, ``qrels``,
        ``triples`` and ``pretrain``.
    """
    if spec.test_queries > spec.passages:
        raise ValueError("synthetic.test_queries must not exceed synthetic.passages")
    world = World(spec.world, seed)
    rng = stream(seed, "collection")
    passages = [world.passage(rng) for _ in range(spec.passages)]
    write_pairs(out["collection"], ((str(i), p.text) for i, p in enumerate(passages)))
    order = stream(seed, "split").permutation(spec.passages)
    test_sources = order[: spec.test_queries]

    by_topic: dict[int, list[int]] = {}
    for idx, p in enumerate(passages):
        by_topic.setdefault(p.topic, []).append(idx)
    qrng = stream(seed, "queries")
    queries: list[tuple[str, str]] = []
    qrels: dict[str, dict[str, int]] = {}
    for i, source in enumerate(test_sources):
        text, concepts = world.query(passages[int(source)], qrng)
        qid = str(QID_OFFSET + i)
        queries.append((qid, text))
        grades = _relevance(
            passages, by_topic, int(source), concepts, spec.max_partial_relevant
        )
        qrels[qid] = {str(d): g for d, g in grades.items()}
    write_pairs(out["queries"], queries)
    write_pairs(out["queries_en"], queries)
    write_qrels(out["qrels"], qrels)

    triples = training_triples(world, spec, seed)
    write_triples(out["triples"], triples)
    lines = round(spec.pretrain_passages * spec.pivot_pretrain_share)
    _write_pretrain(out["pretrain"], world, lines, seed, "en", None)
    logger.info(
        "pivot: %d passages, %d test queries, %d triples, %d pretraining lines",
        len(passages),
        len(queries),
        len(triples),
        lines,
    )


def generate_language(
    spec: BenchmarkSpec,
    language: LanguageSpec,
    seed: int,
    pivot: Mapping[str, str | Path],
    bitext_pairs: int,
    pretrain_share: float,
    out: Mapping[str, str | Path],
) -> None:
    """Translate the pivot into one synthetic language and write its files.

    Parameters
    ----------
    spec, seed:
        As for :func:`generate_pivot` (the world is rebuilt from them).
    language:
        The language's surface properties.
    pivot:
        English ``collection``, ``queries`` and ``qrels`` paths.
    bitext_pairs:
        Number of sentence pairs in ``bitext.tsv``.
    pretrain_share:
        Share of ``spec.pretrain_passages`` written as this language's pretraining text.
    out:
        Paths for keys ``collection``, ``queries``, ``queries_en``, ``qrels``,
        ``bitext`` and ``pretrain``.
    """
    world = World(spec.world, seed)
    lang = SyntheticLanguage(language, world)
    collection = read_collection(pivot["collection"])
    write_pairs(
        out["collection"], ((d, lang.translate(t)) for d, t in collection.items())
    )
    queries = read_queries(pivot["queries"])
    mt = stream(seed, "mt", language.name)
    write_pairs(
        out["queries"],
        ((q, lang.translate(t, language.query_noise, mt)) for q, t in queries.items()),
    )
    write_pairs(out["queries_en"], queries.items())
    write_qrels(out["qrels"], read_qrels(pivot["qrels"]))

    brng = stream(seed, "bitext", language.name)
    pairs: list[tuple[str, str]] = []
    while len(pairs) < bitext_pairs:
        for sentence in world.passage(brng).text.split(". "):
            sentence = sentence if sentence.endswith(".") else sentence + "."
            pairs.append((sentence, lang.translate(sentence)))
            if len(pairs) == bitext_pairs:
                break
    write_pairs(out["bitext"], pairs)
    lines = round(spec.pretrain_passages * pretrain_share)
    _write_pretrain(
        out["pretrain"], world, lines, seed, language.name, lang, spec.code_switch
    )
    logger.info(
        "%s: %d passages, %d queries, %d bitext pairs, %d pretraining lines",
        language.name,
        len(collection),
        len(queries),
        len(pairs),
        lines,
    )
