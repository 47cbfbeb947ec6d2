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


def test_slurm_profile_leaves_gpus_and_sizes_to_the_rules():
    """The profile forces no GPU (a CPU partition refuses one) and no job size."""
    profile = yaml.safe_load((PROFILE / "config.yaml").read_text())
    assert profile["executor"] == "slurm"
    assert set(profile.get("set-resources") or {}) <= _rules()
    for resources in (profile.get("set-resources") or {}).values():
        assert not {"gpu", "mem_mb", "runtime"} & set(resources), resources
    assert {"mem_mb", "runtime"} <= set(profile["default-resources"])


def _planned_resources(tmp_path, *args) -> dict[str, set[str]]:
    """Resources of every planned job, per rule, from a dry run's job listing."""
    done = run_snakemake(tmp_path, "all", "--dry-run", *args)
    assert done.returncode == 0, done.stderr[-3000:]
    planned: dict[str, set[str]] = {}
    rule = None
    for line in done.stdout.splitlines():
        if line.startswith("rule "):
            rule = line.split()[1].rstrip(":")
        elif line.strip().startswith("resources:") and rule:
            planned.setdefault(rule, set()).add(line.split(":", 1)[1].strip())
    return planned


def test_a_gpu_is_asked_for_only_by_neural_rules_and_not_with_device_cpu(tmp_path):
    neural = {
        "pretrain_encoder",
        "train_teacher",
        "distill_ot",
        "rerank",
        "rerank_union",
    }
    on_gpu = _planned_resources(tmp_path / "auto", "--config", "device=auto")
    on_cpu = _planned_resources(tmp_path / "cpu", "--config", "device=cpu")
    assert neural <= set(on_gpu)
    for rule, listed in on_gpu.items():
        wants = "gpu=1" if rule in neural else "gpu=0"
        for resources in listed:
            if rule in neural or "gpu=" in resources:
                assert wants in resources, (rule, resources)
    for rule, listed in on_cpu.items():
        assert not any("gpu=1" in resources for resources in listed), (rule, listed)


def test_rules_declare_threads_and_resources():
    for path in (ROOT / "workflow" / "rules").glob("*.smk"):
        for block in re.split(r"^\s*rule ", path.read_text(), flags=re.M)[1:]:
            name = block.split(":", 1)[0]
            assert "threads:" in block, name
            derived = "**job_resources(" in block
            assert derived or ("mem_mb=" in block and "runtime=" in block), name


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
