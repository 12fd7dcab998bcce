"""The security boundary: nothing outside REM v1 parses (REM.md §1, last paragraph)."""

from __future__ import annotations

import codecs
import json
import subprocess
import sys

import pytest
from conftest import DATA

from rem_agent.rem import Profile, check_rem


def _corpus() -> list[str]:
    lines = (DATA / "injection_corpus.txt").read_text(encoding="utf-8").splitlines()
    return [
        codecs.decode(line, "unicode_escape") if "\\" in line and '\\"' not in line else line
        for line in lines
        if line and not line.startswith("#")
    ]


CORPUS = _corpus()


def test_corpus_is_substantial() -> None:
    assert len(CORPUS) >= 100


@pytest.mark.parametrize("attack", CORPUS)
@pytest.mark.parametrize("profile", list(Profile))
def test_attack_is_rejected(attack: str, profile: Profile) -> None:
    result = check_rem(attack, profile=profile)
    assert not result.valid, f"accepted: {attack!r} -> {result.canonical!r}"
    assert result.errors[0].message
    assert "Traceback" not in result.errors[0].rendered


@pytest.mark.parametrize(
    "text",
    [
        'SEARCH "x; DROP TABLE resources; --" IN resources',
        "SELECT * FROM resources WHERE name = 'x''; DROP TABLE resources; --'",
        'LOOKUP "Robert\\"); DROP TABLE students;--"',
    ],
)
def test_hostile_text_stays_inside_its_string(text: str) -> None:
    """Data that looks like SQL is fine inside a literal, and prints back escaped."""
    result = check_rem(text)
    assert result.valid, result.errors
    again = check_rem(result.canonical or "")
    assert again.tree == result.tree


def test_cli_rejects_the_whole_corpus_in_one_run() -> None:
    stdin = "\n".join(line for line in CORPUS if "\n" not in line and "\r" not in line)
    proc = subprocess.run(
        [sys.executable, "-m", "rem_agent", "check", "-", "--json"],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(results) == len([line for line in stdin.split("\n") if line.strip()])
    assert not any(r["valid"] for r in results)
