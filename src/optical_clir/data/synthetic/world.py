"""The English pivot of the synthetic benchmark.

The world is a set of *concepts*. Each concept has one to ``max_synonyms``
English surface forms (synonyms). Topics own a pool of topical concepts and a
few named entities; a small set of general concepts is shared by all topics.

- A passage belongs to one topic and is about a handful of *key* concepts. Each
  concept is rendered with one synonym chosen per passage.
- A query picks two or three of its source passage's key concepts and renders
  each with a *different* synonym with probability ``synonym_mismatch``. That is
  the vocabulary mismatch that makes lexical BM25 useful but beatable, while a
  model that learnt which forms mean the same thing (from co-occurrence in
  pretraining and from ranking supervision) can do better.
- Graded qrels: the source passage is highly relevant (2); other passages of the
  same topic that are about at least two of the query's concepts are partially
  relevant (1).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np

from optical_clir.data.synthetic.rng import stream

_CONSONANTS = "bdfghklmnprstvz"
_VOWELS = "aeiou"


@dataclass(frozen=True)
class WorldSpec:
    """Size and difficulty knobs of the English pivot (``config/simulation.yaml``)."""

    topics: int = 40
    concepts_per_topic: int = 60
    general_concepts: int = 200
    max_synonyms: int = 3
    names_per_topic: int = 4
    passage_words: tuple[int, int] = (30, 50)
    key_concepts: int = 4
    synonym_mismatch: float = 0.5


@dataclass
class Passage:
    """One generated English passage."""

    topic: int
    keys: list[int]
    forms: dict[int, int] = field(default_factory=dict)
    text: str = ""


class World:
    """The concept inventory and the generators of passages and queries.

    Parameters
    ----------
    spec:
        Size and difficulty knobs.
    seed:
        Master seed; the same seed always builds the same world.
    """

    def __init__(self, spec: WorldSpec, seed: int):
        self.spec = spec
        self.seed = seed
        rng = stream(seed, "world")
        n_topical = spec.topics * spec.concepts_per_topic
        n_concepts = n_topical + spec.general_concepts
        n_forms = rng.choice(
            np.arange(1, spec.max_synonyms + 1),
            size=n_concepts,
            p=_synonym_distribution(spec.max_synonyms),
        )
        n_forms[n_topical:] = 1  # general words have a single form
        n_names = spec.topics * spec.names_per_topic
        words = _pseudo_words(rng, int(n_forms.sum()) + n_names)
        self.concepts: list[list[str]] = []
        cursor = 0
        for count in n_forms:
            self.concepts.append(words[cursor : cursor + int(count)])
            cursor += int(count)
        self.names = [f"{w.capitalize()}" for w in words[cursor : cursor + n_names]]
        self.topic_concepts = np.arange(n_topical).reshape(
            spec.topics, spec.concepts_per_topic
        )
        self.general = np.arange(n_topical, n_concepts)
        self.topic_names = [
            self.names[t * spec.names_per_topic : (t + 1) * spec.names_per_topic]
            for t in range(spec.topics)
        ]
        self._topic_p = _zipf(spec.concepts_per_topic, 1.0)
        self._general_p = _zipf(spec.general_concepts, 1.1)
        self.question_words = [self.concepts[c][0] for c in self.general[:6]]

    # ------------------------------------------------------------------ text
    def vocabulary(self) -> list[str]:
        """All English surface forms, concept by concept (names excluded)."""
        return [form for forms in self.concepts for form in forms]

    def _render(self, concept: int, passage: Passage, draw: float) -> str:
        forms = self.concepts[concept]
        if concept not in passage.forms:
            cumulative = _SYNONYM_CUMULATIVE[len(forms)]
            passage.forms[concept] = min(
                bisect.bisect_right(cumulative, draw), len(forms) - 1
            )
        return forms[passage.forms[concept]]

    def passage(self, rng: np.random.Generator, topic: int | None = None) -> Passage:
        """Generate one passage (text in sentences ending with ``.``).

        Token sources: 32% key concepts, 23% other topical concepts, 40% general
        concepts, 5% named entities and numbers.
        """
        spec = self.spec
        if topic is None:
            topic = int(rng.integers(spec.topics))
        pool = self.topic_concepts[topic]
        keys = [
            int(c)
            for c in rng.choice(
                pool, size=spec.key_concepts, replace=False, p=self._topic_p
            )
        ]
        passage = Passage(topic=topic, keys=keys)
        length = int(rng.integers(spec.passage_words[0], spec.passage_words[1] + 1))
        # the draws as Python lists: the loop below indexes them one by one
        source = rng.random(length).tolist()
        key_draw = rng.integers(len(keys), size=length).tolist()
        topic_draw = rng.choice(pool, size=length, p=self._topic_p).tolist()
        general_draw = rng.choice(self.general, size=length, p=self._general_p).tolist()
        name_draw = rng.integers(spec.names_per_topic, size=length).tolist()
        number_draw = rng.integers(1, 2000, size=length).tolist()
        form_draw = rng.random(length + len(keys)).tolist()
        names = self.topic_names[topic]
        tokens: list[str] = []
        for i in range(length):
            u = source[i]
            if u < 0.32:
                tokens.append(self._render(keys[key_draw[i]], passage, form_draw[i]))
            elif u < 0.55:
                tokens.append(self._render(topic_draw[i], passage, form_draw[i]))
            elif u < 0.95:
                tokens.append(self._render(general_draw[i], passage, form_draw[i]))
            elif u < 0.98:
                tokens.append(names[name_draw[i]])
            else:
                tokens.append(str(number_draw[i]))
        for j, k in enumerate(keys):  # every key concept appears at least once
            if k not in passage.forms:
                word = self._render(k, passage, form_draw[length + j])
                tokens.insert(int(rng.integers(len(tokens) + 1)), word)
        passage.text = _sentences(tokens, rng)
        return passage

    def query(
        self, passage: Passage, rng: np.random.Generator
    ) -> tuple[str, list[int]]:
        """Generate a query about ``passage``.

        Returns
        -------
        tuple[str, list[int]]
            The query text and the concept ids it asks about.
        """
        n = int(rng.integers(2, 4))
        concepts = [
            int(c)
            for c in rng.choice(
                passage.keys, size=min(n, len(passage.keys)), replace=False
            )
        ]
        words: list[str] = []
        if rng.random() < 0.7:
            words.append(
                self.question_words[int(rng.integers(len(self.question_words)))]
            )
        for c in concepts:
            forms = self.concepts[c]
            used = passage.forms.get(c, 0)
            if len(forms) > 1 and rng.random() < self.spec.synonym_mismatch:
                others = [i for i in range(len(forms)) if i != used]
                used = others[int(rng.integers(len(others)))]
            words.append(forms[used])
        if rng.random() < 0.25:
            words.append(
                self.topic_names[passage.topic][
                    int(rng.integers(self.spec.names_per_topic))
                ]
            )
        return " ".join(words), concepts


def _synonym_distribution(max_synonyms: int) -> np.ndarray:
    weights = np.array([0.3, 0.45, 0.25] + [0.1] * max(0, max_synonyms - 3))[
        :max_synonyms
    ]
    return weights / weights.sum()


def _synonym_cumulative(n_forms: int) -> list[float]:
    """Cumulative preference for the 1st, 2nd, ... synonym (weights 1, 1/2, 1/3)."""
    weights = 1.0 / np.arange(1, n_forms + 1)
    return list(np.cumsum(weights / weights.sum()))


_SYNONYM_CUMULATIVE = {n: _synonym_cumulative(n) for n in range(1, 10)}


def _zipf(n: int, exponent: float) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** exponent
    return weights / weights.sum()


def _pseudo_words(rng: np.random.Generator, count: int) -> list[str]:
    """``count`` distinct pronounceable lowercase words of 2-3 syllables."""
    seen: set[str] = set()
    words: list[str] = []
    while len(words) < count:
        syllables = int(rng.integers(2, 4))
        word = "".join(
            _CONSONANTS[int(rng.integers(len(_CONSONANTS)))]
            + _VOWELS[int(rng.integers(len(_VOWELS)))]
            for _ in range(syllables)
        )
        if rng.random() < 0.3:
            word += _CONSONANTS[int(rng.integers(len(_CONSONANTS)))]
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def _sentences(tokens: list[str], rng: np.random.Generator) -> str:
    """Join tokens into sentences of 6-12 words, each closed by a full stop."""
    out: list[str] = []
    start = 0
    while start < len(tokens):
        end = min(len(tokens), start + int(rng.integers(6, 13)))
        if len(tokens) - end < 4:
            end = len(tokens)
        out.append(" ".join(tokens[start:end]) + ".")
        start = end
    return " ".join(out)
