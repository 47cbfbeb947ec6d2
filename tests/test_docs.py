"""The README stays short and true: its links resolve, its schema keys exist."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from optical_clir.models.trainer import TrainSpec

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_readme_is_at_most_150_lines():
    assert len(README.splitlines()) <= 150


def test_every_link_of_the_readme_and_docs_resolves():
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", doc.read_text()):
            assert (doc.parent / target).exists(), (doc.name, target)


def test_the_top_level_keys_the_readme_names_are_schema_keys():
    schema = yaml.safe_load(
        (ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text()
    )
    keys = set(schema["properties"])
    section = README[README.index("## Configuration") : README.index("## More")]
    named = set(re.findall(r"^- `(\w+)`", section, flags=re.M))
    assert named and named <= keys, named - keys


def test_the_loss_log_interval_is_documented_as_derived():
    """docs/configuration.md gives the rule the trainer applies."""
    text = (ROOT / "docs" / "configuration.md").read_text()
    assert "min(25, max(1, steps // 10))" in text

    class Stage:
        lr, grad_accum, checkpoint_every = 1e-3, 1, 10

    for steps, expected in ((5, 1), (120, 12), (10_000, 25)):
        Stage.steps = steps
        assert TrainSpec.from_stage(Stage).log_every == expected
