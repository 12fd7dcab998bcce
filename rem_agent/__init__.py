"""rem-agent: search-bar text in, one valid REM query out."""

from __future__ import annotations

__version__ = "0.1.0"
