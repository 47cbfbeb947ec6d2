"""Target languages of the synthetic benchmark: deterministic transforms of English.

Each language has its own word forms (a lexicon from every English surface form
to a foreign stem built from the language's own syllables), inflectional
morphology (context-dependent suffixes), a word-order change, and optionally
another script. Like real languages it shares a little with English: digits and
proper names are kept, and a share of the lexicon are cognates (the English form
itself, written in the language's script: only in a Latin-script language do they
share word pieces with English). Machine-translation quality for queries is
simulated by dropping or substituting query words with probability
``query_noise``. Monolingual web text is not purely monolingual:
:meth:`SyntheticLanguage.translate` can leave words in English (``code_switch``),
as code-switched text does; the pretraining corpus uses it, at one rate for every
language.

Nothing here knows whether a language is high- or low-resource: that lives only
in the configured parameters (pretraining share, bitext size, query noise).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from optical_clir.data.synthetic.rng import stable_hash, stream
from optical_clir.data.synthetic.world import World

SCRIPTS: dict[str, dict[str, str]] = {
    "latin": {},
    "cyrillic": dict(
        zip("abcdefghijklmnopqrstuvwxyz", "абцдефгхийклмнопщрстувшжыз", strict=True)
    ),
    "greek": dict(
        zip("abcdefghijklmnopqrstuvwxyz", "αβψδεφγηιξκλμνοπχρστυϐωϰθζ", strict=True)
    ),
}
WORD_ORDERS = ("keep", "swap_pairs", "reverse")
T = TypeVar("T")
_ALL_CONSONANTS = "bcdfghjklmnprstvwxz"
_ALL_VOWELS = "aeiouy"


@dataclass(frozen=True)
class LanguageSpec:
    """Surface properties of one synthetic language (see ``config/simulation.yaml``)."""

    name: str
    script: str = "latin"
    morphology: float = 0.3
    word_order: str = "keep"
    shared_vocab: float = 0.1
    query_noise: float = 0.1

    @classmethod
    def from_config(cls, language: Mapping) -> LanguageSpec:
        """Build from one (schema-validated) entry of the config's ``languages``."""
        params = language["synthetic"]
        return cls(
            name=language["name"],
            script=params["script"],
            morphology=params["morphology"],
            word_order=params["word_order"],
            shared_vocab=params["shared_vocab"],
            query_noise=params["query_noise"],
        )

    def __post_init__(self) -> None:
        if self.script not in SCRIPTS:
            raise ValueError(
                f"unknown script '{self.script}'; choose one of {sorted(SCRIPTS)}"
            )
        if self.word_order not in WORD_ORDERS:
            raise ValueError(
                f"unknown word_order '{self.word_order}'; choose one of {WORD_ORDERS}"
            )


class SyntheticLanguage:
    """Translate English text of a :class:`World` into one synthetic language.

    Parameters
    ----------
    spec:
        The language's surface properties.
    world:
        The English pivot whose vocabulary the lexicon covers.
    """

    def __init__(self, spec: LanguageSpec, world: World):
        self.spec = spec
        rng = stream(world.seed, "language", spec.name)
        consonants = "".join(
            sorted(rng.choice(list(_ALL_CONSONANTS), size=12, replace=False))
        )
        vowels = "".join(sorted(rng.choice(list(_ALL_VOWELS), size=4, replace=False)))
        self.suffixes = [
            vowels[int(rng.integers(len(vowels)))]
            + consonants[int(rng.integers(len(consonants)))]
            for _ in range(4)
        ]
        english = world.vocabulary()
        taken = set(english)
        self.lexicon: dict[str, str] = {}
        for word in english:
            if rng.random() < spec.shared_vocab:
                self.lexicon[word] = word
                continue
            while True:
                stem = "".join(
                    consonants[int(rng.integers(len(consonants)))]
                    + vowels[int(rng.integers(len(vowels)))]
                    for _ in range(int(rng.integers(2, 4)))
                )
                if stem not in taken:
                    taken.add(stem)
                    self.lexicon[word] = stem
                    break
        self._foreign_vocab = sorted(set(self.lexicon.values()))
        self._names = set(world.names)
        self._table = (
            str.maketrans(SCRIPTS[spec.script]) if SCRIPTS[spec.script] else None
        )

    def _inflect(self, stem: str, previous: str) -> str:
        key = stable_hash(f"{previous}|{stem}")
        if (key % 1000) / 1000.0 >= self.spec.morphology:
            return stem
        return stem + self.suffixes[(key // 1000) % len(self.suffixes)]

    def _reorder(self, tokens: list[T]) -> list[T]:
        if self.spec.word_order == "reverse":
            return tokens[::-1]
        if self.spec.word_order == "swap_pairs":
            out = list(tokens)
            for i in range(0, len(out) - 1, 2):
                out[i], out[i + 1] = out[i + 1], out[i]
            return out
        return tokens

    def _script(self, token: str) -> str:
        if self._table is None or token in self._names:
            return token
        return token.translate(self._table)

    def translate(
        self,
        text: str,
        noise: float = 0.0,
        rng: np.random.Generator | None = None,
        code_switch: float = 0.0,
    ) -> str:
        """Translate English ``text``; sentence boundaries (``.``) are kept.

        Parameters
        ----------
        text:
            English text from the world (space-separated, ``.`` closes sentences).
        noise:
            Per-word probability of an MT error (the word is dropped or replaced by
            a random word of the language). Needs ``rng`` when positive.
        rng:
            Random stream for the noise and the code-switching.
        code_switch:
            Per-word probability that the word stays English (its English form,
            in the English script, uninflected), as in code-switched text. Needs
            ``rng`` when positive.
        """
        sentences: list[tuple[list[str], bool]] = [([], False)]
        for token in text.split():
            word = token.rstrip(".")
            if word:
                sentences[-1][0].append(word)
            if token.endswith("."):
                sentences[-1] = (sentences[-1][0], True)
                sentences.append(([], False))
        out: list[str] = []
        for words, closed in sentences:
            if not words:
                continue
            # (form, whether the language's script applies: not to English words)
            translated: list[tuple[str, bool]] = []
            previous = "<s>"
            for word in words:
                stem = self.lexicon.get(word)
                if code_switch > 0 and rng is not None and rng.random() < code_switch:
                    translated.append((word, False))
                    previous = word
                    continue
                if noise > 0 and rng is not None and rng.random() < noise:
                    if rng.random() < 0.5 and len(words) > 1:
                        continue
                    stem = self._foreign_vocab[
                        int(rng.integers(len(self._foreign_vocab)))
                    ]
                # names and numbers have no lexicon entry: they are shared with English
                form = word if stem is None else self._inflect(stem, previous)
                translated.append((form, True))
                previous = word
            if not translated:  # noise never deletes a whole sentence
                stem = self.lexicon.get(words[0])
                form = words[0] if stem is None else self._inflect(stem, "<s>")
                translated = [(form, True)]
            if translated:
                forms = [
                    self._script(form) if scripted else form
                    for form, scripted in self._reorder(translated)
                ]
                out.append(" ".join(forms) + ("." if closed else ""))
        return " ".join(out)
