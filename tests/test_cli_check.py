"""`rem-agent check` as a person runs it: real process, real exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import rem_md_examples


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rem_agent", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_valid_query_prints_canonical_and_exits_0() -> None:
    proc = run("check", "search 'x' in resources".replace("'", '"'))
    assert proc.returncode == 0
    assert proc.stdout == 'SEARCH "x" IN resources\n'
    assert proc.stderr == ""


def test_invalid_query_shows_caret_and_exits_1() -> None:
    proc = run("check", "SELECT * FROM resources WHERE tags = 'x'")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "unknown field `tags` on table `resources`" in proc.stderr
    assert proc.stderr.rstrip().endswith("^")
    assert "Traceback" not in proc.stderr


def test_json_output_shape() -> None:
    proc = run("check", 'FUZZY "x"', "--json", "--profile", "p8fs")
    assert proc.returncode == 1
    out = json.loads(proc.stdout)
    assert set(out) == {"valid", "canonical", "statement", "errors"}
    assert out["valid"] is False and out["canonical"] is None and out["statement"] == "FUZZY"
    assert "p8fs profile has no FUZZY" in out["errors"][0]


def test_stdin_answers_every_rem_md_example() -> None:
    examples = [str(e["rem"]) for e in rem_md_examples()]
    proc = run("check", "-", "--json", stdin="\n".join(examples) + "\n")
    assert proc.returncode == 0, proc.stderr
    outs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["canonical"] for o in outs] == examples


def test_stdin_exit_code_is_1_when_any_query_fails() -> None:
    proc = run("check", "-", stdin='LOOKUP "a"\nnot rem\n')
    assert proc.returncode == 1
    assert [json.loads(line)["valid"] for line in proc.stdout.splitlines()] == [True, False]


def test_bad_catalog_and_profile_are_usage_errors(tmp_path) -> None:  # type: ignore[no-untyped-def]
    proc = run("check", 'LOOKUP "a"', "--catalog", str(tmp_path / "missing.yaml"))
    assert proc.returncode == 2
    assert "cannot read catalog" in proc.stderr and "Traceback" not in proc.stderr
    proc = run("check", 'LOOKUP "a"', "--profile", "mysql")
    assert proc.returncode == 2
    assert "invalid choice" in proc.stderr


def test_help_and_no_command() -> None:
    assert run("check", "--help").returncode == 0
    proc = run()
    assert proc.returncode == 2 and "usage:" in proc.stderr
