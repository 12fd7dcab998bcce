"""`rem-agent dates`: output shapes, stdin mode and error exits."""

from __future__ import annotations

import io
import json

import pytest

from rem_agent.cli import main

NOW = ["--now", "2026-11-26T10:30:00"]


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["dates", "notes from last week since Monday", "--json", *NOW])
    out = capsys.readouterr().out
    assert code == 0
    assert json.loads(out) == [
        {"text": "from last week", "span": [6, 20], "start": "2026-11-16", "end": "2026-11-23"},
        {"text": "since Monday", "span": [21, 33], "start": "2026-11-23", "end": None},
    ]


def test_json_in_a_zone_with_week_start_sunday(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["dates", "last week", "--json", *NOW, "--tz", "America/New_York", "--week-start", "sunday"]
    )
    assert code == 0
    (item,) = json.loads(capsys.readouterr().out)
    assert item["start"] == "2026-11-15T00:00:00-05:00"
    assert item["end"] == "2026-11-22T00:00:00-05:00"


def test_unresolved_goes_to_stderr_in_json_mode(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dates", "a while ago", "--json", *NOW]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == []
    assert "a while ago" in captured.err


def test_stdin_one_numbered_json_object_per_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("yesterday\n\nQ3 2025 and today\n"))
    assert main(["dates", "-", "--json", *NOW]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == [
        {
            "line": 1,
            "dates": [
                {"text": "yesterday", "span": [0, 9], "start": "2026-11-25", "end": "2026-11-26"}
            ],
        },
        {"line": 2, "dates": []},
        {
            "line": 3,
            "dates": [
                {"text": "Q3 2025", "span": [0, 7], "start": "2025-07-01", "end": "2025-10-01"},
                {"text": "today", "span": [12, 17], "start": "2026-11-26", "end": "2026-11-27"},
            ],
        },
    ]


def test_human_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dates", "before 2025 or a while ago", *NOW]) == 0
    out = capsys.readouterr().out
    assert "before 2025" in out and "[open, 2025-01-01)" in out
    assert "unresolved" in out
    assert main(["dates", "nothing here", *NOW]) == 0
    assert "no dates" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--now", "yesterday-ish"], "--now"),
        (["--now", "2026-13-01"], "--now"),
        (["--tz", "Mars/Olympus_Mons"], "time zone"),
        (["--tz", "../etc/passwd"], "time zone"),
    ],
)
def test_bad_options_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["dates", "today", *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_bad_week_start_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["dates", "today", "--week-start", "tuesday"])
    assert exc.value.code == 2
