"""The one exception family every face knows how to print."""

from __future__ import annotations


class RemAgentError(Exception):
    """An error meant for a person: its message is shown as-is, never a traceback.

    `exit_code` is what a command-line face exits with: 1 for a failed job,
    2 for bad usage or bad input.
    """

    exit_code: int = 1

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(RemAgentError):
    """Bad arguments or bad input from the caller (exit 2)."""

    exit_code = 2
