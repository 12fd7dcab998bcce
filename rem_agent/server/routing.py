"""How a POST endpoint is served: a FastAPI route class over one `RemService`.

The endpoints take typed bodies, so OpenAPI shows their schemas, while the answers stay
this service's own: the body is read within the size limit and taken as JSON whatever
its content type says, every refusal is `{"error": ...}` naming what to fix and is
counted in the metrics, and the answer is dropped when the client goes away first.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ClassVar, Self, cast

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from rem_agent.server.schemas import describe_validation_error
from rem_agent.server.service import RemService, ServiceError

log = logging.getLogger("rem_agent.server")

CLIENT_CLOSED = 499  # nginx's code for "client closed the request"; only ever logged
Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class ServiceRequest(Request):
    """A request to a service endpoint: at most `limit` bytes of body, parsed as JSON.

    The body counts as JSON whatever its content type (`curl -d` labels it a form), as it
    always has here; FastAPI decodes only bodies labelled JSON, so the label is replaced.
    `started` is when the request arrived: its deadline counts from then.
    """

    def __init__(self, request: Request, limit: int) -> None:
        super().__init__(request.scope, request.receive)
        self.limit = limit
        self.started = time.perf_counter()
        raw = [(k, v) for k, v in self.scope["headers"] if k != b"content-type"]
        self._json_headers = Headers(raw=[*raw, (b"content-type", b"application/json")])

    @property
    def headers(self) -> Headers:
        return self._json_headers

    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            declared = self.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.limit:
                raise ServiceError(
                    413, f"the body is {declared} bytes; the limit is {self.limit}", "bad_input"
                )
            chunks: list[bytes] = []
            size = 0
            async for chunk in self.stream():
                size += len(chunk)
                if size > self.limit:
                    raise ServiceError(
                        413, f"the body is over the {self.limit}-byte limit", "bad_input"
                    )
                chunks.append(chunk)
            self._body = b"".join(chunks)
        return self._body

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            raw = await self.body()
            if not raw.strip():
                raise ServiceError(
                    400, 'the body is empty: send JSON such as {"text": "..."}', "bad_input"
                )
            try:
                self._json = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise ServiceError(
                    400,
                    f'the body is not valid JSON ({exc}); send e.g. {{"text": "..."}}',
                    "bad_input",
                ) from None
        return self._json


class ServiceRoute(APIRoute):
    """A POST endpoint of `service`, named `label` in the metrics and the log.

    Use `ServiceRoute.over(service, label)` as the route class: FastAPI builds routes
    from the class (older FastAPI builds them again when a host includes the router), so
    what a route needs travels as class attributes.
    """

    service: ClassVar[RemService]
    label: ClassVar[str]

    @classmethod
    def over(cls, service: RemService, label: str) -> type[Self]:
        return cast("type[Self]", type(cls.__name__, (cls,), {"service": service, "label": label}))

    def check(self, body: dict[str, Any]) -> None:
        """Refusals due before the body is validated; none by default."""

    def get_route_handler(self) -> Handler:
        handle = super().get_route_handler()

        async def serve(request: Request) -> Response:
            return await self._serve(
                ServiceRequest(request, self.service.settings.max_body_bytes), handle
            )

        return serve

    async def _serve(self, request: ServiceRequest, handle: Handler) -> Response:
        """Read and check the body, then answer unless the client goes away first.

        Maps errors to JSON answers and records metrics.
        """
        svc = self.service
        await svc.start()
        status = 500
        try:
            body = await request.json()
            if not isinstance(body, dict):
                raise ServiceError(
                    422, 'the body must be a JSON object such as {"text": "..."}', "bad_input"
                )
            self.check(body)
            response = await _unless_disconnected(request, handle(request))
            status = response.status_code
            return response
        except (ServiceError, RequestValidationError) as exc:
            error = exc if isinstance(exc, ServiceError) else _invalid(exc)
            svc.metrics.error(error.kind)
            status = error.status
            return _refusal(error)
        except ClientDisconnect:
            # The user kept typing: the wait was cancelled, which drops a job no one
            # else waits for. Nobody reads this answer; the status is for the metrics.
            svc.metrics.error("disconnected")
            status = CLIENT_CLOSED
            return JSONResponse({"error": "the client closed the connection"}, status)
        except Exception:
            log.exception("internal error on %s", self.label)
            svc.metrics.error("internal")
            status = 500
            return JSONResponse({"error": "internal error: see the server log"}, 500)
        finally:
            svc.metrics.observe_request(self.label, status, time.perf_counter() - request.started)


class BatchRoute(ServiceRoute):
    """`ServiceRoute` for a batch: too many requests are refused before any is validated."""

    def check(self, body: dict[str, Any]) -> None:
        requests = body.get("requests")
        limit = self.service.settings.max_batch
        if isinstance(requests, list) and len(requests) > limit:
            raise ServiceError(
                422,
                f"requests: {len(requests)} requests in one batch; the limit is {limit}: "
                "split the batch",
                "bad_input",
            )


def _refusal(error: ServiceError) -> JSONResponse:
    """The answer for `error`: its body (or `{"error": message}`), status and headers."""
    body = error.body.model_dump(mode="json") if error.body else {"error": error.message}
    return JSONResponse(body, error.status, error.headers)


def _invalid(exc: RequestValidationError) -> ServiceError:
    return ServiceError(422, describe_validation_error(exc.errors()), "bad_input")


async def _unless_disconnected(request: Request, coro: Awaitable[Response]) -> Response:
    """`await coro`, or cancel it and raise `ClientDisconnect` when the client leaves first."""
    work = asyncio.ensure_future(coro)
    gone = asyncio.ensure_future(_until_disconnected(request))
    try:
        done, _ = await asyncio.wait({work, gone}, return_when=asyncio.FIRST_COMPLETED)
        if work in done:
            return work.result()
        work.cancel()
        with contextlib.suppress(asyncio.CancelledError, ServiceError):
            await work
        raise ClientDisconnect()
    finally:
        gone.cancel()
        if not work.done():
            work.cancel()


async def _until_disconnected(request: Request) -> None:
    """Return when the client disconnects; call only once the body has been read.

    After the body, the server's `receive` blocks until the connection closes and then
    says `http.disconnect` (uvicorn, hypercorn, Starlette middleware alike).
    """
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return
        await asyncio.sleep(0.05)  # a server that repeats empty bodies must not spin us
