"""Deterministic synthetic multilingual retrieval benchmark (a controlled simulation).

``world`` builds the English pivot (topics, concepts with synonyms, passages,
queries with graded qrels); ``language`` derives target languages from it;
``benchmark`` writes everything in the same on-disk formats as the mMARCO path.
"""

from __future__ import annotations

from optical_clir.data.synthetic.language import LanguageSpec, SyntheticLanguage
from optical_clir.data.synthetic.world import Passage, World, WorldSpec

__all__ = ["LanguageSpec", "Passage", "SyntheticLanguage", "World", "WorldSpec"]
