"""rem-agent: search-bar text in, one valid REM query out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["RemAgent", "Translation", "__version__"]

if TYPE_CHECKING:
    from rem_agent.agent import RemAgent, Translation


def __getattr__(name: str) -> Any:
    # Lazy, so `rem-agent check` does not pay for the model stack's imports.
    if name in ("RemAgent", "Translation"):
        from rem_agent import agent

        return getattr(agent, name)
    raise AttributeError(f"module 'rem_agent' has no attribute {name!r}")
