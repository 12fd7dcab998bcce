"""What a REPL session remembers between lines: its settings and the last result."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from rem_agent.rem.profile import Profile


class SessionState(BaseModel):
    """Settings the meta-commands change; every request reads them."""

    model_config = ConfigDict(frozen=True)

    profile: Profile = Profile.REM
    tz: str = "UTC"
    now: datetime | None = None  # None: the wall clock at each request
    explain: bool = False
    json_output: bool = False
    multiline: bool = False
    vi: bool = False
    last_ms: float | None = None


class ModelInfo(BaseModel):
    """A snapshot of the model's state, for `:model` and the toolbar."""

    engine: str
    model: str
    state: str  # "loading", "ready", "failed"
    detail: str = ""
