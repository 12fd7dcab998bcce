"""The REPL session driven through prompt_toolkit's pipe input, with a scripted engine."""

from __future__ import annotations

import io
import json
import re
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from fakes import ScriptedEngine
from prompt_toolkit.data_structures import Size
from prompt_toolkit.history import FileHistory, History
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.vt100 import Vt100_Output

from rem_agent.agent import Cancelled, RemAgent
from rem_agent.engines.base import ChatMessage, DecodeParams, Generation, ProgressFn
from rem_agent.errors import RemAgentError
from rem_agent.rem.profile import Profile
from rem_agent.repl import display
from rem_agent.repl.shell import ModelStatus, ReplShell, open_history
from rem_agent.repl.state import ModelInfo, SessionState

NOW = datetime(2026, 11, 26, 10, 30)
F3, F4, UP, RIGHT, CTRL_C, CTRL_D, CTRL_R = (
    "\x1bOR",
    "\x1bOS",
    "\x1b[A",
    "\x1b[C",
    "\x03",
    "\x04",
    "\x12",
)
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


class Session:
    def __init__(self, raw: str, shell: ReplShell, code: int) -> None:
        self.raw, self.shell, self.code = raw, shell, code
        self.text = _ESCAPES.sub("", raw)


def run_session(
    agent: RemAgent,
    keys: str | list[str],
    *,
    state: SessionState | None = None,
    history: History | None = None,
    status: ModelStatus | None = None,
    after: float = 0.0,
) -> Session:
    """Type `keys` and run to the end; a list is typed chunk by chunk, `after` seconds apart
    (history loads and suggestions are computed in the background)."""
    buffer = io.StringIO()
    output = Vt100_Output(
        buffer, lambda: Size(rows=40, columns=160), term="xterm-256color", enable_cpr=False
    )
    with create_pipe_input() as pipe:
        if isinstance(keys, str):
            pipe.send_text(keys)
        else:
            for i, chunk in enumerate(keys):
                threading.Timer(after * (i + 1), pipe.send_text, args=(chunk,)).start()
        shell = ReplShell(
            agent,
            state or SessionState(now=NOW),
            input=pipe,
            output=output,
            history=history,
            status=status,
        )
        code = shell.loop()
    assert shell.wait_for_workers(10)
    return Session(buffer.getvalue(), shell, code)


def scripted(answer) -> tuple[RemAgent, ScriptedEngine]:  # type: ignore[no-untyped-def]
    engine = ScriptedEngine(answer)
    return RemAgent(engine_instance=engine), engine


def test_request_prints_highlighted_rem_dates_and_time() -> None:
    query = "SEARCH \"kafka\" IN resources WHERE created_at >= '2026-11-16' AND created_at < '2026-11-23'"
    agent, engine = scripted(lambda user, grammar: query)
    s = run_session(agent, "notes about kafka from last week\r" + CTRL_D)
    assert query in s.text
    assert re.search(r"\x1b\[[0-9;]*m\s*SEARCH", s.raw)  # the keyword carries a colour
    assert "from last week → 2026-11-16 … 2026-11-23" in s.text
    assert re.search(r"\d+ ms · model · \d+ tokens", s.text)
    assert len(engine.calls) == 1
    assert s.code == 0 and "bye" in s.text


def test_rem_input_is_canonicalised_without_the_model() -> None:
    agent, engine = scripted(lambda user, grammar: "unused")
    s = run_session(agent, "select * from files order by upload_timestamp desc limit 5\r:quit\r")
    assert "SELECT * FROM files ORDER BY upload_timestamp DESC LIMIT 5" in s.text
    assert "valid REM (canonical form)" in s.text
    assert engine.calls == []


def test_broken_rem_shows_the_caret_under_the_problem() -> None:
    agent, engine = scripted(lambda user, grammar: "unused")
    line = "SELECT * FROM resources WHERE tags = 'x'"
    s = run_session(agent, line + "\r:quit\r")
    assert "error: line 1, column 31: unknown field `tags` on table `resources`" in s.text
    lines = s.text.splitlines()
    echoed = lines.index("  " + line)
    assert lines[echoed + 1] == " " * (2 + line.index("tags")) + "^"
    assert engine.calls == []


def test_meta_commands_shape_the_next_request() -> None:
    agent, engine = scripted(lambda user, grammar: 'LOOKUP "x"')
    s = run_session(agent, ":profile p8fs\r:tz America/New_York\rmeetings from yesterday\r:quit\r")
    grammar = engine.calls[0][1]
    assert grammar is not None and '"FUZZY"' not in grammar  # the p8fs grammar
    assert "'2026-11-25T00:00:00-05:00'" in grammar  # New York midnights
    assert "p8fs> " in s.text and "time zone America/New_York" in s.text
    assert s.shell.state.profile is Profile.P8FS


def test_ctrl_c_cancels_a_running_translation_and_drops_its_late_result() -> None:
    release = threading.Event()

    def answer(user: str, grammar: str | None) -> str:
        if "slow request" in user:
            release.wait(10)
            return 'LOOKUP "late answer"'
        release.set()  # the second request lets the first one finish, after its cancel
        return 'LOOKUP "fresh answer"'

    agent, engine = scripted(answer)
    s = run_session(agent, "slow request\r" + CTRL_C + "fresh request\r:quit\r")
    assert "translation cancelled" in s.text
    assert 'LOOKUP "fresh answer"' in s.text
    assert "late answer" not in s.text
    assert len(engine.calls) == 2 and s.code == 0


class CancellableEngine(ScriptedEngine):
    """An engine that honours `cancel` (as the real engines are learning to)."""

    def __init__(self) -> None:
        super().__init__(lambda user, grammar: 'LOOKUP "never"')
        self.saw_cancel = threading.Event()

    def answer_for(self, messages: list[ChatMessage], params: DecodeParams) -> Generation:
        assert params.cancel is not None
        if params.cancel.wait(10):
            self.saw_cancel.set()
            raise Cancelled("stopped mid-decode")
        return super().answer_for(messages, params)


def test_cancel_event_reaches_an_engine_that_takes_it() -> None:
    engine = CancellableEngine()
    s = run_session(RemAgent(engine_instance=engine), "anything at all\r" + CTRL_C + CTRL_D)
    assert engine.saw_cancel.wait(5)
    assert "translation cancelled" in s.text and "never" not in s.text


def test_ctrl_c_at_the_prompt_clears_the_line() -> None:
    agent, engine = scripted(lambda user, grammar: 'LOOKUP "x"')
    s = run_session(agent, "half a requ" + CTRL_C + CTRL_D)
    assert engine.calls == [] and s.code == 0


def test_json_mode_prints_the_translation() -> None:
    agent, _ = scripted(lambda user, grammar: 'LOOKUP "Sarah Chen"')
    s = run_session(agent, ":json on\rwho is sarah chen\r:quit\r")
    start = s.text.index("{")
    data, _ = json.JSONDecoder().raw_decode(s.text[start:])
    assert data["query"] == 'LOOKUP "Sarah Chen"' and data["valid"] is True
    assert data["source"] == "model" and data["engine"] == "scripted"


def test_explain_shows_examples_and_token_counts() -> None:
    agent, _ = scripted(lambda user, grammar: 'LOOKUP "Sarah Chen"')
    s = run_session(agent, ":explain on\rwho is sarah chen\r:quit\r")
    assert re.search(r"  example  \S", s.text)
    assert "output   'LOOKUP \"Sarah Chen\"'" in s.text
    assert "tokens   prompt 40 new + 60 cached, 3 generated" in s.text
    assert "dates    none in the request" in s.text


def test_explain_shows_a_first_answer_that_was_decoded_again() -> None:
    def answer(user: str, grammar: str | None) -> str:
        if grammar is not None and '"SEARCH" _S DQSTRING _S "IN"' in grammar:
            return 'SEARCH "meetings" IN moments'
        return "SELECT * FROM moments WHERE moment_type = 'meeting'"

    agent, _ = scripted(answer)
    s = run_session(agent, ":explain on\rall meetings\r:quit\r")
    assert "first    'SEARCH \"meetings\" IN moments' (no topic: decoded again)" in s.text
    assert 'output   "SELECT * FROM moments WHERE moment_type' in s.text


class SlowLoadingEngine(ScriptedEngine):
    def __init__(self, *, fail: bool = False) -> None:
        super().__init__(lambda user, grammar: 'LOOKUP "x"')
        self.gate = threading.Event()
        self.fail = fail

    def load(self, progress: ProgressFn | None = None) -> None:
        if progress:
            progress("warming up")
        self.gate.wait(10)
        if self.fail:
            raise RemAgentError("no model is installed (pip install 'rem-agent[model]')")


def test_model_loads_in_the_background_with_a_visible_status() -> None:
    engine = SlowLoadingEngine()
    status = ModelStatus()
    agent = RemAgent(engine_instance=engine, on_status=status.post)
    shell = ReplShell(agent, status=status)
    shell.start_loading()
    deadline = time.monotonic() + 5  # the worker thread posts the progress when it starts
    while shell.model_info().detail != "warming up" and time.monotonic() < deadline:
        time.sleep(0.01)
    info = shell.model_info()
    assert info.state == "loading" and info.detail == "warming up"
    assert "loading…" in "".join(t for _, t in display.toolbar_text(shell.state, info))
    engine.gate.set()
    assert shell.wait_for_workers(5)
    assert shell.model_info().state == "ready"


def test_a_model_that_fails_to_load_leaves_a_working_shell() -> None:
    engine = SlowLoadingEngine(fail=True)
    engine.gate.set()
    s = run_session(RemAgent(engine_instance=engine), 'who is x\rlookup "x"\r:model\r:quit\r')
    assert "error: no model is installed" in s.text
    assert 'LOOKUP "x"' in s.text  # REM still checks without a model
    assert "scripted, model scripted-model: failed (no model is installed" in s.text


def test_history_persists_and_suggests(tmp_path: Path) -> None:
    path = tmp_path / "data" / "history"
    history, problem = open_history(path)
    assert problem is None
    agent, engine = scripted(lambda user, grammar: 'LOOKUP "Sarah Chen"')
    run_session(agent, "who is sarah chen\r" + CTRL_D, history=history)
    assert "who is sarah chen" in path.read_text()
    # A new session: Up recalls the line, → accepts the suggestion from history, Ctrl-R searches.
    for keys in (UP + "\r", "who" + RIGHT + "\r", CTRL_R + "sarah\r\r"):
        engine.calls.clear()
        # History loads in the background: type once it is in.
        s = run_session(agent, [*keys, CTRL_D], history=FileHistory(str(path)), after=0.4)
        assert 'LOOKUP "Sarah Chen"' in s.text, keys
        assert "from cache" in s.text, (
            keys,
            s.text[-1500:].replace(" " * 20, ""),
        )  # same request: the agent cache answers


def test_unwritable_history_falls_back_to_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    history, problem = open_history(blocker / "history")
    assert problem is not None and "history is not saved" in problem
    assert list(history.load_history_strings()) == []


def test_multiline_mode_submits_on_an_empty_line() -> None:
    agent, _ = scripted(lambda user, grammar: "unused")
    s = run_session(agent, F3 + "select * from files\rwhere file_size > 10\r\r:quit\r")
    assert "SELECT * FROM files WHERE file_size > 10" in s.text
    assert s.shell.state.multiline


def test_vi_mode_toggle() -> None:
    agent, _ = scripted(lambda user, grammar: "unused")
    s = run_session(agent, F4 + ":quit\r")
    assert s.shell.state.vi
    # Vi editing: Esc to normal mode, 0 to the start, x deletes the stray first letter.
    s = run_session(agent, [':vi on\rxlookup "vi"', "\x1b", "0x\r", ":quit\r"], after=0.3)
    assert s.shell.state.vi and 'LOOKUP "vi"' in s.text


def test_keys_typed_during_a_translation_reach_the_next_prompt() -> None:
    def answer(user: str, grammar: str | None) -> str:
        time.sleep(0.3)
        return 'LOOKUP "first"'

    agent, _ = scripted(answer)
    s = run_session(agent, 'who is first\rlookup "typed ahead"\r:quit\r')
    assert s.text.index('LOOKUP "first"') < s.text.index('LOOKUP "typed ahead"')


def test_toolbar_shows_what_is_in_force() -> None:
    state = SessionState(
        profile=Profile.P8FS, tz="Europe/Berlin", now=NOW, explain=True, last_ms=1234.0
    )
    info = ModelInfo(engine="llamacpp", model="qwen2.5-coder-0.5b", state="ready")
    text = "".join(t for _, t in display.toolbar_text(state, info))
    for part in (
        "llamacpp",
        "qwen2.5-coder-0.5b ready",
        "profile p8fs",
        "tz Europe/Berlin",
        "now 2026-11-26 10:30",
        "explain on",
        "last 1.2 s",
        "F3",
        "F4 emacs",
    ):
        assert part in text, part
    narrow = "".join(t for _, t in display.toolbar_text(state, info, width=100))
    assert "F3" not in narrow and "last 1.2 s" in narrow
    live = "".join(
        t
        for _, t in display.toolbar_text(
            SessionState(), info.model_copy(update={"state": "failed"})
        )
    )
    assert "now live" in live and "failed (:model)" in live and "last –" in live


def test_unknown_command_is_helpful() -> None:
    agent, _ = scripted(lambda user, grammar: "unused")
    s = run_session(agent, ":jsno on\r:help\r:quit\r")
    assert "unknown command :jsno; did you mean :json?" in s.text
    assert ":now ISO|reset" in s.text and "Ctrl-R" in s.text


def test_ctrl_x_ctrl_e_opens_the_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf \'lookup "from the editor"\\n\' > "$1"\n')
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.delenv("VISUAL", raising=False)
    agent, engine = scripted(lambda user, grammar: "unused")
    # The editor runs in the background; the Enter after it submits whatever it left.
    s = run_session(agent, ["\x18\x05", "\r", CTRL_D], after=0.5)
    assert 'LOOKUP "from the editor"' in s.text and engine.calls == []
