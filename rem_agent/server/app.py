"""The search-bar backend: HTTP endpoints over one `RemService`.

`create_app(agent, settings)` is the standalone service (`rem-agent serve`);
`router(agent, settings)` is the same endpoints as an `APIRouter` for p8fs-api to mount.
Both say which `RemService` they serve as `.service`. Every error is a JSON
`{"error": ...}` that says what to fix; no traceback leaves the process.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from rem_agent import __version__
from rem_agent.agent import RemAgent, Translation
from rem_agent.server.routing import BatchRoute, ServiceRequest, ServiceRoute
from rem_agent.server.schemas import (
    BatchRequest,
    BatchResponse,
    ErrorBody,
    ItemError,
    OverloadedBody,
    ServerSettings,
    TranslateRequest,
)
from rem_agent.server.service import RemService, ServiceError

# What OpenAPI says the POST endpoints answer besides their 200.
_REFUSED: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "the body is empty or not JSON"},
    413: {"model": ErrorBody, "description": "the body is over the size limit"},
    422: {"model": ErrorBody, "description": "a field is missing, unknown or invalid"},
    500: {"model": ErrorBody, "description": "a bug; the server log has the details"},
}
# A batch answers these per item instead.
_UNANSWERED: dict[int | str, dict[str, Any]] = {
    503: {
        "model": OverloadedBody,
        "description": "busy (with Retry-After; the figures when the queue would outlast "
        "the deadline) or the model is not available",
    },
    504: {"model": ErrorBody, "description": "no answer within the deadline"},
}


class RemRouter(APIRouter):
    """The endpoints over one `RemService`, which hosts and tests reach as `service`.

    The model loads in the background when the host app starts (router lifespan) or, if
    the host runs no lifespans, at the first request.
    """

    def __init__(self, service: RemService) -> None:
        super().__init__(lifespan=_lifespan(service))
        self.service = service

        async def translate(req: TranslateRequest, request: ServiceRequest) -> Response:
            result = await service.translate(req, started=request.started)
            return JSONResponse(result.model_dump(mode="json"))

        async def translate_batch(batch: BatchRequest, request: ServiceRequest) -> Response:
            async def one(req: TranslateRequest) -> Translation | ItemError:
                try:
                    return await service.translate(req, started=request.started)
                except ServiceError as exc:
                    service.metrics.error(exc.kind)
                    return ItemError(error=exc.message, status=exc.status)

            results = await asyncio.gather(*(one(r) for r in batch.requests))
            return JSONResponse(BatchResponse(results=list(results)).model_dump(mode="json"))

        self._post(
            "/v1/translate",
            translate,
            ServiceRoute,
            response_model=Translation,
            responses=_REFUSED | _UNANSWERED,
            summary="text in, one REM query out",
        )
        self._post(
            "/v1/translate/batch",
            translate_batch,
            BatchRoute,
            response_model=BatchResponse,
            responses=_REFUSED,
            summary="several at once",
        )

        @self.get("/healthz", summary="200 once the model is loaded, 503 before")
        async def healthz() -> Response:
            await service.start()
            status, body = service.health()
            return JSONResponse(body, status)

        @self.get("/v1/info", summary="engine, model, profiles, catalog, limits")
        async def info() -> Response:
            await service.start()
            return JSONResponse(service.info())

        @self.get("/metrics", summary="Prometheus text format")
        async def metrics() -> Response:
            return PlainTextResponse(
                service.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8"
            )

    def _post(
        self, path: str, endpoint: Callable[..., Any], route: type[ServiceRoute], **options: Any
    ) -> None:
        """A POST endpoint served by `route` over this router's service."""
        self.add_api_route(
            path,
            endpoint,
            methods=["POST"],
            route_class_override=route.over(self.service, path),
            **options,
        )


class RemApp(FastAPI):
    """The standalone service: the router plus JSON errors for unknown routes."""

    def __init__(self, service: RemService) -> None:
        super().__init__(
            title="rem-agent",
            version=__version__,
            description="Search-bar text in, one valid REM query out, from a local model.",
        )
        self.service = service
        self.include_router(RemRouter(service))

        @self.exception_handler(StarletteHTTPException)
        async def http_error(_request: Request, exc: StarletteHTTPException) -> Response:
            message = {404: "no such endpoint", 405: "method not allowed on this endpoint"}.get(
                exc.status_code, str(exc.detail)
            )
            return JSONResponse({"error": message}, exc.status_code, dict(exc.headers or {}))


def router(
    agent: RemAgent | None = None,
    settings: ServerSettings | None = None,
    *,
    service: RemService | None = None,
) -> RemRouter:
    """The endpoints as an `APIRouter` (p8fs-api: `app.include_router(router(), prefix="/rem")`)."""
    return RemRouter(service or RemService(agent or RemAgent(), settings))


def create_app(agent: RemAgent, settings: ServerSettings | None = None) -> RemApp:
    """The standalone service (`rem-agent serve`)."""
    return RemApp(RemService(agent, settings))


def _lifespan(svc: RemService) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        await svc.start()
        try:
            yield
        finally:
            await svc.stop()

    return lifespan
