"""REPL defaults from `config.toml` in the user's config directory.

The file is optional. A file that cannot be read or holds bad values gives a
warning and the built-in defaults, never a crash: a typo in a config file
should not lock anyone out of the shell. Command-line flags override it.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rem_agent.rem.profile import Profile

APP_NAME = "rem-agent"
CONFIG_DIR_ENV = "REM_AGENT_CONFIG_DIR"
DATA_DIR_ENV = "REM_AGENT_DATA_DIR"
CONFIG_FILE = "config.toml"
HISTORY_FILE = "repl-history"

SAMPLE_CONFIG = """\
# rem-agent repl defaults; command-line flags override these.
[repl]
# engine = "auto"          # auto | mlx | llamacpp
# model = "qwen2.5-coder-0.5b"
# profile = "rem"          # rem | p8fs
# tz = "Europe/Berlin"
# catalog = "~/my-catalog.yaml"
# explain = false
# json = false
# multiline = false
# vi = false
# history = true
"""


class ReplConfig(BaseModel):
    """The `[repl]` table of config.toml; None means "not set here"."""

    model_config = ConfigDict(extra="forbid")

    engine: Literal["auto", "mlx", "llamacpp"] | None = None
    model: str | None = None
    profile: Profile | None = None
    tz: str | None = None
    catalog: str | None = None
    examples: int | None = Field(default=None, ge=0, le=32)
    explain: bool = False
    json_output: bool = Field(default=False, alias="json")
    multiline: bool = False
    vi: bool = False
    history: bool = True


class LoadedConfig(BaseModel):
    config: ReplConfig
    path: Path
    warnings: list[str] = []


def config_dir() -> Path:
    override = os.environ.get(CONFIG_DIR_ENV)
    return Path(override).expanduser() if override else Path(platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override).expanduser() if override else Path(platformdirs.user_data_dir(APP_NAME))


def config_path() -> Path:
    return config_dir() / CONFIG_FILE


def history_path() -> Path:
    return data_dir() / HISTORY_FILE


def load_config(path: Path | None = None) -> LoadedConfig:
    """Read the config file; a missing file is fine, a bad one is a warning."""
    path = path or config_path()
    if not path.is_file():
        return LoadedConfig(config=ReplConfig(), path=path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return _ignored(path, f"cannot read it ({exc})")
    table = data.get("repl", data)  # a bare file without [repl] is accepted too
    if not isinstance(table, dict):
        return _ignored(path, "[repl] must be a table")
    try:
        return LoadedConfig(config=ReplConfig.model_validate(table), path=path)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'repl'}: {e['msg']}" for e in exc.errors()
        )
        return _ignored(path, problems)


def _ignored(path: Path, why: str) -> LoadedConfig:
    return LoadedConfig(
        config=ReplConfig(),
        path=path,
        warnings=[f"ignoring {path}: {why}; using the built-in defaults"],
    )
