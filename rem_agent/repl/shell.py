"""The interactive shell: prompt, key bindings, toolbar, background model, spinner.

Threads, and why:
* the model loads in a daemon thread, so the prompt appears at once; its
  progress shows in the toolbar;
* each translation runs in a daemon worker thread while a one-line spinner
  application owns the terminal; Ctrl-C there sets the worker's cancel event
  and returns to the prompt at once. A worker that cannot stop mid-decode
  finishes in the background and its late result is dropped (nobody reads it).
Keys typed while the spinner runs are handed to the next prompt (typeahead).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, wait
from pathlib import Path
from typing import Any

from prompt_toolkit import PromptSession, print_formatted_text
from prompt_toolkit.application import Application
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.enums import EditingMode
from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.input import Input
from prompt_toolkit.input.typeahead import get_typeahead, store_typeahead
from prompt_toolkit.key_binding import KeyBindings, KeyPress, KeyPressEvent
from prompt_toolkit.keys import Keys
from prompt_toolkit.layout import FormattedTextControl, Layout, Window
from prompt_toolkit.lexers import DynamicLexer, Lexer, PygmentsLexer
from prompt_toolkit.output import Output

from rem_agent.agent import Cancelled, RemAgent, Translation
from rem_agent.errors import RemAgentError
from rem_agent.rem.check import check_rem
from rem_agent.repl import display
from rem_agent.repl.classify import classify_line, looks_like_rem
from rem_agent.repl.commands import CommandContext, Message, run_command
from rem_agent.repl.completion import RemCompleter
from rem_agent.repl.lexer import RemLexer
from rem_agent.repl.state import ModelInfo, SessionState
from rem_agent.worker import ModelWorker

PROMPT_CONTINUATION = "...> "


class ModelStatus:
    """Load state of the model, written by the loader thread, read by the toolbar."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = "loading"
        self._detail = ""
        self.on_change: Callable[[], None] | None = None

    def post(self, message: str) -> None:
        """`RemAgent(on_status=...)` progress lines."""
        with self._lock:
            self._detail = message
        self._changed()

    def ready(self) -> None:
        with self._lock:
            self._state = "ready"
        self._changed()

    def fail(self, message: str) -> None:
        with self._lock:
            self._state, self._detail = "failed", message
        self._changed()

    def snapshot(self) -> tuple[str, str]:
        with self._lock:
            return self._state, self._detail

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()


class ReplShell:
    """One interactive session over one RemAgent (inject a fake agent in tests)."""

    def __init__(
        self,
        agent: RemAgent,
        state: SessionState | None = None,
        *,
        status: ModelStatus | None = None,
        history: History | None = None,
        input: Input | None = None,
        output: Output | None = None,
        notices: list[str] | None = None,
        config_path: str = "",
        history_path: str = "",
    ) -> None:
        self.agent = agent
        self.state = state or SessionState(profile=agent.defaults.profile, tz=agent.defaults.tz)
        self.status = status or ModelStatus()
        self.status.on_change = self._invalidate
        self.notices = notices or []
        self.config_path = config_path
        self.history_path = history_path
        self.input = input
        self.output = output
        # Loading and translating run on one worker thread, in the order asked.
        self._worker = ModelWorker("rem-repl-model")
        self._translations: list[Future[Translation]] = []  # not yet finished
        self._loader: Future[None] | None = None
        self._rem_lexer = PygmentsLexer(RemLexer)
        self.session: PromptSession[str] = PromptSession(
            message=self._prompt_message,
            multiline=Condition(lambda: self.state.multiline),
            prompt_continuation=PROMPT_CONTINUATION,
            lexer=DynamicLexer(self._input_lexer),
            completer=RemCompleter(agent.catalog),
            complete_while_typing=True,
            auto_suggest=AutoSuggestFromHistory(),
            history=history or InMemoryHistory(),
            bottom_toolbar=self._toolbar,
            style=display.STYLE,
            include_default_pygments_style=False,
            key_bindings=self._key_bindings(),
            enable_open_in_editor=True,
            tempfile_suffix=".rem",
            refresh_interval=0.5,
            input=input,
            output=output,
        )

    # -- the loop ------------------------------------------------------------

    def loop(self) -> int:
        """Read lines until Ctrl-D or :quit; the exit status is 0."""
        self.start_loading()
        self._banner()
        while True:
            self.session.editing_mode = EditingMode.VI if self.state.vi else EditingMode.EMACS
            try:
                line = self.session.prompt()
            except KeyboardInterrupt:
                continue  # Ctrl-C at the prompt clears the line, as in pgcli
            except EOFError:
                break
            try:
                if not self.handle(line):
                    break
            except KeyboardInterrupt:
                self._print(display.messages_text([Message(kind="warning", text="interrupted")]))
        self._print(FormattedText([("class:dim", "bye\n")]))
        return 0

    def handle(self, line: str) -> bool:
        """Act on one submitted line; False means leave the shell."""
        kind = classify_line(line)
        if kind == "empty":
            return True
        if kind == "command":
            return self._command(line)
        if kind == "rem":
            self._check(line)
            return True
        self._translate(line)
        return True

    # -- model loading ---------------------------------------------------------

    def start_loading(self) -> None:
        """Load the model in the background (once)."""
        if self._loader is not None:
            return
        if self.agent.loaded:
            self.status.ready()
            return
        self._loader = self._worker.submit(self._load)

    def _load(self) -> None:
        try:
            self.agent.load()
        except RemAgentError as exc:
            self.status.fail(str(exc))
        except Exception as exc:  # third-party engine code: report it, keep the shell
            self.status.fail(f"{type(exc).__name__}: {exc}")
        else:
            self.status.ready()

    def model_info(self) -> ModelInfo:
        engine, model = self.agent.describe()
        state, detail = self.status.snapshot()
        return ModelInfo(engine=engine, model=model, state=state, detail=detail)

    def wait_for_workers(self, timeout: float) -> bool:
        """Give the model's work up to `timeout` seconds; True when none is left."""
        pending: list[Future[Any]] = [
            *self._translations,
            *([self._loader] if self._loader else []),
        ]
        _, not_done = wait(pending, timeout=timeout)
        self._translations = [f for f in self._translations if not f.done()]
        return not not_done

    # -- the three kinds of line ---------------------------------------------------

    def _command(self, line: str) -> bool:
        ctx = CommandContext(
            model=self.model_info(),
            catalog=self.agent.catalog,
            config_path=self.config_path,
            history_path=self.history_path,
        )
        result = run_command(line, self.state, ctx)
        self.state = result.state
        if result.messages:
            self._print(display.messages_text(result.messages))
        return not result.quit

    def _check(self, line: str) -> None:
        started = time.perf_counter()
        result = check_rem(line, profile=self.state.profile, catalog=self.agent.catalog)
        ms = (time.perf_counter() - started) * 1000
        self.state = self.state.model_copy(update={"last_ms": ms})
        self._print(display.check_text(line, result, self.state, ms))

    def _translate(self, line: str) -> None:
        state = self.state
        cancel = threading.Event()
        done = threading.Event()
        self._translations = [f for f in self._translations if not f.done()]
        busy = len(self._translations)
        future = self._worker.submit(self._run_translation, line, state, cancel)
        future.add_done_callback(lambda _: done.set())
        self._translations.append(future)
        if self._spin(done, busy) == "cancelled":
            cancel.set()  # the worker's result, if it ever comes, is dropped
            self._print(
                display.messages_text([Message(kind="warning", text="translation cancelled")])
            )
            return
        error = future.exception()
        if isinstance(error, Cancelled):
            return
        if isinstance(error, RemAgentError):
            self._print(display.messages_text([Message(kind="error", text=str(error))]))
            return
        if isinstance(error, BaseException):
            text = f"internal error: {type(error).__name__}: {error}"
            self._print(display.messages_text([Message(kind="error", text=text)]))
            return
        result = future.result()
        self.state = self.state.model_copy(update={"last_ms": result.timings.total_ms})
        self._print(display.translation_text(result, self.state))

    def _run_translation(
        self, line: str, state: SessionState, cancel: threading.Event
    ) -> Translation:
        return self.agent.translate(
            line,
            now=state.now,
            tz=state.tz,
            profile=state.profile,
            explain=state.explain,
            cancel=cancel,
        )

    # -- the spinner ---------------------------------------------------------------

    def _spin(self, done: threading.Event, busy: int) -> str:
        """Show a spinner until `done` or Ctrl-C; returns "done" or "cancelled"."""
        started = time.monotonic()
        typed: list[KeyPress] = []
        kb = KeyBindings()

        def text() -> FormattedText:
            frame = display.SPINNER[int((time.monotonic() - started) * 10) % len(display.SPINNER)]
            state, detail = self.status.snapshot()
            what = "translating"
            if state == "loading":
                what = "loading the model" + (f" ({detail})" if detail else "")
            elif busy:
                what = "translating (after the cancelled one finishes)"
            elapsed = time.monotonic() - started
            return FormattedText(
                [
                    ("class:spinner", f"{frame} "),
                    ("", f"{what}… {elapsed:.1f} s "),
                    ("class:dim", "  Ctrl-C cancels"),
                ]
            )

        app: Application[str] = Application(
            layout=Layout(Window(FormattedTextControl(text), height=1)),
            key_bindings=kb,
            style=display.STYLE,
            input=self.input,
            output=self.output,
            refresh_interval=0.1,
            erase_when_done=True,
        )

        def finish(result: str) -> None:
            if not app.future or not app.future.done():
                app.exit(result=result)

        @kb.add("c-c", eager=True)
        @kb.add(Keys.SIGINT)
        def _cancel(event: KeyPressEvent) -> None:
            if app.future and app.future.done():
                typed.extend(event.key_sequence)
            else:
                finish("cancelled")

        @kb.add(Keys.Any)
        def _keep(event: KeyPressEvent) -> None:
            typed.extend(event.key_sequence)  # handed to the next prompt

        async def watch() -> None:
            import asyncio

            while not done.is_set():
                await asyncio.sleep(0.03)
            finish("done")

        def start_watching() -> None:
            app.create_background_task(watch())

        outcome = app.run(pre_run=start_watching)
        if typed:
            # The app stored its unread keys on exit; ours were typed before them.
            later = get_typeahead(app.input)
            store_typeahead(app.input, [*typed, *later])
        return outcome

    # -- prompt pieces -------------------------------------------------------------

    def _prompt_message(self) -> FormattedText:
        return FormattedText([("class:prompt", f"{self.state.profile.value}> ")])

    def _toolbar(self) -> FormattedText:
        width = self.session.app.output.get_size().columns
        return display.toolbar_text(self.state, self.model_info(), width)

    def _input_lexer(self) -> Lexer | None:
        # Highlight what is REM; plain-language requests stay plain.
        text = self.session.default_buffer.text if hasattr(self, "session") else ""
        return self._rem_lexer if looks_like_rem(text) else None

    def _key_bindings(self) -> KeyBindings:
        kb = KeyBindings()

        @kb.add("f3")
        def _multiline(event: KeyPressEvent) -> None:
            self.state = self.state.model_copy(update={"multiline": not self.state.multiline})

        @kb.add("f4")
        def _vi(event: KeyPressEvent) -> None:
            vi = not self.state.vi
            self.state = self.state.model_copy(update={"vi": vi})
            event.app.editing_mode = EditingMode.VI if vi else EditingMode.EMACS

        submit_now = Condition(lambda: _complete_in_multiline(self.session.default_buffer.text))

        @kb.add("enter", filter=Condition(lambda: self.state.multiline) & submit_now)
        def _submit(event: KeyPressEvent) -> None:
            event.current_buffer.validate_and_handle()

        return kb

    # -- output ----------------------------------------------------------------------

    def _banner(self) -> None:
        lines: list[tuple[str, str]] = [
            ("class:prompt", "rem-agent"),
            ("", " — type a request in plain words, or REM to check it. "),
            ("class:dim", ":help for commands, Ctrl-D to quit.\n"),
        ]
        lines += [("class:warning", f"warning: {n}\n") for n in self.notices]
        self._print(FormattedText(lines))

    def _print(self, text: FormattedText) -> None:
        print_formatted_text(
            text,
            end="",
            style=display.STYLE,
            output=self.output,
            include_default_pygments_style=False,
        )

    def _invalidate(self) -> None:
        app = self.session.app if hasattr(self, "session") else None
        if app is not None and app.is_running:
            app.invalidate()  # thread-safe: schedules a redraw on the app's loop


def _complete_in_multiline(text: str) -> bool:
    """In multi-line mode Enter submits a meta-command or after an empty last line."""
    return text.lstrip().startswith(":") or text.endswith("\n") or not text.strip()


def open_history(path: Path | None) -> tuple[History, str | None]:
    """A file history at `path` (None: in memory), or memory plus a warning."""
    if path is None:
        return InMemoryHistory(), None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
    except OSError as exc:
        return InMemoryHistory(), f"history is not saved: cannot write {path} ({exc})"
    return FileHistory(str(path)), None
