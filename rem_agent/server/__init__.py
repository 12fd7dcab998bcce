"""The search-bar backend: FastAPI app, mountable router and the scheduler in front of
one model. The p8fs client that calls it is `rem_agent.clients.p8fs`.

Needs the `server` extra (fastapi, uvicorn, httpx).
"""

from __future__ import annotations

from rem_agent.server.app import RemApp, RemRouter, create_app, router
from rem_agent.server.schemas import ServerSettings, TranslateRequest
from rem_agent.server.service import RemService, ServiceError

__all__ = [
    "RemApp",
    "RemRouter",
    "RemService",
    "ServerSettings",
    "ServiceError",
    "TranslateRequest",
    "create_app",
    "router",
]
