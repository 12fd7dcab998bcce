"""The search-bar backend: FastAPI app, mountable router, scheduler and p8fs adapter.

Needs the `server` extra (fastapi, uvicorn, httpx).
"""

from __future__ import annotations

from rem_agent.server.app import RemService, ServiceError, create_app, router
from rem_agent.server.schemas import ServerSettings, TranslateRequest

__all__ = [
    "RemService",
    "ServerSettings",
    "ServiceError",
    "TranslateRequest",
    "create_app",
    "router",
]
