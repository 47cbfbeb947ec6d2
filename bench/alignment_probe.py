"""Probe: how well does the pretrained encoder align each language with English?

For ``--words`` English word forms (cognates excluded) and their translations
(the word translated alone by the synthetic language), precision at 1 of
finding the translation by cosine of mean word-piece embeddings, among the
translations of all probed words (chance = 1 / words). Needs the workflow's
encoder (``snakemake -c 2 results/<dataset>/models/seed<k>/encoder``).

Usage::

    python bench/alignment_probe.py --config config/simulation.yaml
    python bench/alignment_probe.py --config c.yaml \\
        --encoder results/x/models/seed13/encoder
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from transformers import BertModel, BertTokenizerFast

from optical_clir.config import SCHEMA, load_yaml, validate_config
from optical_clir.data.synthetic.benchmark import BenchmarkSpec
from optical_clir.data.synthetic.language import LanguageSpec, SyntheticLanguage
from optical_clir.data.synthetic.world import World
from optical_clir.evaluate.alignment import translation_precision

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config/simulation.yaml")
    parser.add_argument("--encoder", type=Path, default=None)
    parser.add_argument("--words", type=int, default=400)
    args = parser.parse_args()
    config = validate_config(load_yaml(args.config), SCHEMA, str(args.config))
    seed, dataset = config["seed"], config["dataset"]
    models = ROOT / "results" / dataset / "models"
    encoder = args.encoder or models / f"seed{config['seeds'][0]}" / "encoder"
    embeddings = (
        BertModel.from_pretrained(encoder).get_input_embeddings().weight.detach()
    )
    tokenizer = BertTokenizerFast.from_pretrained(encoder)  # saved beside it
    world = World(BenchmarkSpec.from_config(config["synthetic"]).world, seed)
    english = world.vocabulary()
    rng = np.random.default_rng(seed)
    result: dict[str, object] = {"encoder": str(encoder), "chance": 1 / args.words}
    for language in config["languages"]:
        lang = SyntheticLanguage(LanguageSpec.from_config(language), world)
        # each word translated alone (as the language would write it); no cognates
        pairs = [(w, lang.translate(w)) for w in english if lang.lexicon[w] != w]
        pick = rng.choice(len(pairs), size=min(args.words, len(pairs)), replace=False)
        with torch.no_grad():
            precision = translation_precision(
                embeddings, tokenizer, [pairs[int(i)] for i in pick]
            )
        result[language["name"]] = {
            "resource": language["resource"],
            "precision_at_1": round(precision, 4),
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
