"""Where the project's data folders (`grammar/`, `prompts/`) live.

In a source checkout they sit beside the package; in a wheel they are copied
inside it (see `force-include` in pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"rem-agent data folder {name!r} is missing from the installation")
