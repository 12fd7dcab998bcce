"""`-` in translate, check and dates: one numbered answer per stdin line, blank lines too.

A batch user joins answers to input by position, so every input line gets exactly one
answer, carrying its line number. Lines end at "\\n" (CRLF too), as iterating `sys.stdin`
ends them, never at the other breaks `str.splitlines` knows ("\\x1e", U+2028, ...).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fakes import ScriptedEngine

from rem_agent.cli import _COMMANDS, build_parser, main
from rem_agent.cli import translate as translate_cli
from rem_agent.cli.common import numbered_lines

ROOT = Path(__file__).resolve().parent.parent
NOW = ["--now", "2026-11-26T10:30:00"]
# How each of a batch's seven lines ends: "\n", then two CRLF, and no line end at all last.
ENDS = ("\n", "\n", "\n", "\n", "\r\n", "\r\n", "")


def stdin_bytes(texts: list[str]) -> bytes:
    assert len(texts) == len(ENDS)
    return "".join(text + end for text, end in zip(texts, ENDS, strict=True)).encode()


def fake_stdin(texts: list[str]) -> io.TextIOWrapper:
    # newline="\n": sys.stdin's own setting on POSIX (a "\r" stays in the line it is in).
    return io.TextIOWrapper(io.BytesIO(stdin_bytes(texts)), encoding="utf-8", newline="\n")


def run_module(*args: str, texts: list[str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "rem_agent", *args],
        input=stdin_bytes(texts),
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )


def answers(stdout: str) -> list[dict[str, Any]]:
    # str.splitlines, the strictest reader: answers must not contain any break it knows.
    return [json.loads(line) for line in stdout.splitlines()]


# Blank, whitespace-only, "\x1e" and U+2028 inside a line, then CRLF lines, the last
# without a newline.
CHECK_TEXTS = [
    'LOOKUP "a"',
    "",
    "\t\t",
    "SELECT * FROM resources\x1eLIMIT 3",
    "SELECT * FROM resources\u2028LIMIT 3",
    'LOOKUP "b"',
    'SEARCH "c" IN resources',
]
DATES_TEXTS = [
    "yesterday",
    "",
    "\t\t",
    "yesterday\x1etoday",
    "last\u2028week",
    "since Monday",
    "Q3 2025",
]
TRANSLATE_TEXTS = [
    "who is Ann",
    "",
    "\t\t",
    "who is Bo\x1eBell",
    "who is Cy\u2028Dee",
    'LOOKUP "Eve"',
    "who is Fay",
]


@pytest.mark.parametrize("texts", [CHECK_TEXTS, DATES_TEXTS, TRANSLATE_TEXTS])
def test_lines_split_at_newline_only(texts: list[str]) -> None:
    data = stdin_bytes(texts).decode()
    assert len(data.splitlines()) > len(texts)  # the batch is one that splitlines gets wrong
    lines = list(numbered_lines(fake_stdin(texts)))
    assert [(line.number, line.text) for line in lines] == list(enumerate(texts, start=1))


def test_numbered_lines_keeps_a_lone_carriage_return_inside_a_line() -> None:
    stream = io.TextIOWrapper(io.BytesIO(b"a\rb\r\n\r\n"), encoding="utf-8", newline="\n")
    assert [(line.number, line.text) for line in numbered_lines(stream)] == [(1, "a\rb"), (2, "")]


# -- check -------------------------------------------------------------------------------


def single_check(text: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """What `check TEXT --json` prints for one query: the batch answers each line so."""
    main(["check", text, "--json"])
    answer: dict[str, Any] = json.loads(capsys.readouterr().out)
    return answer


def test_check_stdin_in_process(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", fake_stdin(CHECK_TEXTS))
    assert main(["check", "-"]) == 1  # the blank lines and the two with separators are invalid
    got = answers(capsys.readouterr().out)
    expected = [{"line": n, **single_check(t, capsys)} for n, t in enumerate(CHECK_TEXTS, 1)]
    assert got == expected
    assert [a["valid"] for a in got] == [True, False, False, False, False, True, True]
    assert got[1]["errors"] == got[2]["errors"] == ["the query is empty"]


def test_check_stdin_all_valid_exits_0(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO('LOOKUP "a"\nLOOKUP "b"\n'))
    assert main(["check", "-", "--json"]) == 0
    assert [a["line"] for a in answers(capsys.readouterr().out)] == [1, 2]


def test_check_stdin_through_the_real_process(capsys: pytest.CaptureFixture[str]) -> None:
    proc = run_module("check", "-", texts=CHECK_TEXTS)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == b""
    got = answers(proc.stdout.decode())
    assert got == [{"line": n, **single_check(t, capsys)} for n, t in enumerate(CHECK_TEXTS, 1)]


# -- dates -------------------------------------------------------------------------------


def single_dates(text: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    main(["dates", text, "--json", *NOW])
    found: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    return found


def test_dates_stdin_json_in_process(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", fake_stdin(DATES_TEXTS))
    assert main(["dates", "-", "--json", *NOW]) == 0
    got = answers(capsys.readouterr().out)
    expected = [{"line": n, "dates": single_dates(t, capsys)} for n, t in enumerate(DATES_TEXTS, 1)]
    assert got == expected
    assert [len(a["dates"]) for a in got] == [1, 0, 0, 2, 1, 1, 1]
    assert got[4]["dates"][0]["text"] == "last\u2028week"  # escaped on output, one line still


def test_dates_stdin_plain_heads_each_answer_with_its_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", fake_stdin(DATES_TEXTS))
    assert main(["dates", "-", *NOW]) == 0
    out = capsys.readouterr().out
    expected = ""
    for n, text in enumerate(DATES_TEXTS, 1):
        main(["dates", text, *NOW])
        expected += f"> {n}: {text}\n" + capsys.readouterr().out
    assert out == expected


def test_dates_stdin_names_the_line_of_what_is_unresolved(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("today\n\na while ago\n"))
    assert main(["dates", "-", "--json", *NOW]) == 0
    captured = capsys.readouterr()
    assert [a["line"] for a in answers(captured.out)] == [1, 2, 3]
    assert captured.err.startswith("rem-agent: line 3: unresolved 'a while ago'")


def test_dates_stdin_through_the_real_process(capsys: pytest.CaptureFixture[str]) -> None:
    proc = run_module("dates", "-", "--json", *NOW, texts=DATES_TEXTS)
    assert proc.returncode == 0, proc.stderr
    got = answers(proc.stdout.decode())
    assert got == [
        {"line": n, "dates": single_dates(t, capsys)} for n, t in enumerate(DATES_TEXTS, 1)
    ]


# -- translate (a scripted engine: each "who is NAME" is answered LOOKUP "NAME") ----------


def lookup_engine() -> ScriptedEngine:
    def answer(user_msg: str, grammar: str | None) -> str:
        request = user_msg.split("\n")[0].removeprefix("Request: ")
        return f'LOOKUP "{request.removeprefix("who is ")}"'

    return ScriptedEngine(answer=answer)


def translate(argv: list[str], engine: ScriptedEngine) -> int:
    return translate_cli.run(build_parser().parse_args(["translate", *argv]), engine=engine)


def test_translate_stdin_answers_every_line_in_place(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = lookup_engine()
    monkeypatch.setattr(sys, "stdin", fake_stdin(TRANSLATE_TEXTS))
    assert translate(["-", *NOW], engine) == 1  # the blank lines failed
    got = answers(capsys.readouterr().out)
    assert [a["line"] for a in got] == [1, 2, 3, 4, 5, 6, 7]
    # The control character and U+2028 are cleaned to spaces, within the one request.
    assert [a["query"] for a in got] == [
        'LOOKUP "Ann"',
        None,
        None,
        'LOOKUP "Bo Bell"',
        'LOOKUP "Cy Dee"',
        'LOOKUP "Eve"',
        'LOOKUP "Fay"',
    ]
    assert [a["source"] for a in got if a["valid"]] == ["model", "model", "model", "rem", "model"]
    assert len(engine.calls) == 4  # blank lines and REM never reach the model

    # A blank line is refused as `translate TEXT` refuses it, in the shape of any bad line.
    for blank in (got[1], got[2]):
        assert blank == {
            "line": blank["line"],
            "query": None,
            "valid": False,
            "error": blank["error"],
        }
        assert main(["translate", TRANSLATE_TEXTS[blank["line"] - 1]]) == 2
        assert capsys.readouterr().err == f"rem-agent: error: {blank['error']}\n"


def test_translate_stdin_answer_is_the_single_answer_plus_its_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("who is Ann\r\nwho is Bo"))
    assert translate(["-", "--json", *NOW], lookup_engine()) == 0
    batch = answers(capsys.readouterr().out)
    for n, text in enumerate(["who is Ann", "who is Bo"], 1):
        assert translate([text, "--json", *NOW], lookup_engine()) == 0
        single = json.loads(capsys.readouterr().out)
        del single["timings"], batch[n - 1]["timings"]
        assert batch[n - 1] == {"line": n, **single}


def test_translate_stdin_of_only_blank_lines_loads_no_model(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = lookup_engine()
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n \n"))
    assert translate(["-"], engine) == 1
    assert [a["line"] for a in answers(capsys.readouterr().out)] == [1, 2]
    assert engine.loads == 0


# -- the command list ----------------------------------------------------------------------


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert all(f"\n    {name} " in out or f"\n    {name}\n" in out for name in _COMMANDS)


def test_a_missing_command_module_is_an_error_not_a_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("rem_agent.cli._COMMANDS", (*_COMMANDS, "no_such_command"))
    with pytest.raises(ModuleNotFoundError, match="no_such_command"):
        build_parser()
