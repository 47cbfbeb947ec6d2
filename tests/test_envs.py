"""Every conda env file parses, is fully pinned, and agrees with the pip pins."""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import ROOT

ENV_FILES = sorted((ROOT / "envs").glob("*.yaml"))
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([A-Za-z0-9_.+\-]+)$")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pip_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            match = PIN.match(line)
            assert match, f"requirements.txt: '{line}' is not pinned with =="
            pins[_canonical(match[1])] = match[2]
    return pins


def test_there_are_env_files():
    assert {p.stem for p in ENV_FILES} >= {"core", "retrieval"}


@pytest.mark.parametrize("path", ENV_FILES, ids=lambda p: p.name)
def test_env_is_pinned_like_pip(path):
    env = yaml.safe_load(path.read_text())
    assert env["name"].startswith("optical-")
    assert "conda-forge" in env["channels"]
    pins = _pip_pins()
    pip_section = None
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip_section = dep["pip"]
        else:
            assert re.match(r"^[a-z0-9\-]+=[0-9.]+$", dep), f"{path.name}: '{dep}'"
    assert pip_section, f"{path.name}: no pip section"
    for dep in pip_section:
        match = PIN.match(dep)
        assert match, f"{path.name}: '{dep}' is not pinned with =="
        name = _canonical(match[1])
        assert name in pins, f"{path.name}: {name} is not in requirements.txt"
        assert pins[name] == match[2], (
            f"{path.name}: {name}=={match[2]} != {pins[name]}"
        )


def test_rules_name_existing_envs():
    rules = (ROOT / "workflow" / "rules").glob("*.smk")
    named = set()
    for rule_file in rules:
        named |= set(re.findall(r'env\("([a-z_]+)"\)', rule_file.read_text()))
    assert named and named <= {p.stem for p in ENV_FILES}
