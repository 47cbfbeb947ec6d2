"""The Slurm profile parses, names real rules, and plans the tiny workflow."""

from __future__ import annotations

import re

import yaml

from conftest import ROOT, run_snakemake

PROFILE = ROOT / "profiles" / "slurm"


def _rules() -> set[str]:
    names = set()
    for path in (ROOT / "workflow" / "rules").glob("*.smk"):
        names |= set(re.findall(r"^\s*rule (\w+):", path.read_text(), flags=re.M))
    return names


def test_slurm_profile_names_existing_rules_and_resources():
    profile = yaml.safe_load((PROFILE / "config.yaml").read_text())
    assert profile["executor"] == "slurm"
    assert set(profile["set-resources"]) <= _rules()
    for rule in ("train_teacher", "distill_ot", "rerank"):
        assert profile["set-resources"][rule]["gpu"] == 1
    assert {"mem_mb", "runtime"} <= set(profile["default-resources"])


def test_rules_declare_threads_and_resources():
    for path in (ROOT / "workflow" / "rules").glob("*.smk"):
        for block in re.split(r"^\s*rule ", path.read_text(), flags=re.M)[1:]:
            name = block.split(":", 1)[0]
            assert "threads:" in block, name
            assert "mem_mb=" in block and "runtime=" in block, name


def test_dry_run_through_the_slurm_profile(tmp_path):
    done = run_snakemake(tmp_path, "all", "--profile", str(PROFILE), "--dry-run")
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout + done.stderr
    for rule in ("train_teacher", "distill_ot", "rerank", "analyze_gap"):
        assert re.search(rf"\b{rule}\b", out), rule


def test_every_profile_entry_has_a_comment():
    for name in ("slurm", "default"):
        path = ROOT / "profiles" / name / "config.yaml"
        for number, line in enumerate(path.read_text().splitlines(), 1):
            entry = line.split("#", 1)[0].strip()
            if entry and not entry.endswith(":"):
                assert "#" in line, (
                    f"profiles/{name}/config.yaml:{number} has no comment"
                )
