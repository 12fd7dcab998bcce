"""`rem-agent serve`: the search-bar backend over HTTP (FastAPI + uvicorn)."""

from __future__ import annotations

import argparse
import socket
from typing import Any

from rem_agent.cli.common import add_model_options, add_profile_catalog, agent_from_args, status
from rem_agent.dates import load_zone
from rem_agent.errors import UsageError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve translations over HTTP for a search bar",
        description=(
            "Serve POST /v1/translate, /v1/translate/batch, GET /healthz, /v1/info and "
            "/metrics on one loaded model. Requests wait in a bounded queue; identical "
            "requests share one generation; a client that disconnects cancels its job."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)"
    )
    add_profile_catalog(parser)
    add_model_options(parser)
    parser.add_argument(
        "--tz", default="UTC", metavar="ZONE", help="default IANA time zone (default: UTC)"
    )
    parser.add_argument(
        "--queue", type=int, default=64, metavar="N", help="requests that may wait (default 64)"
    )
    parser.add_argument(
        "--deadline",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="per-request time limit; later answers are 504 (default 30)",
    )
    parser.add_argument(
        "--cache-size", type=int, default=512, metavar="N", help="LRU cache entries (default 512)"
    )
    parser.add_argument(
        "--log-level",
        choices=["critical", "error", "warning", "info", "debug"],
        default="info",
        help="uvicorn's log level (default info: one line per request)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from rem_agent.server import ServerSettings, create_app
    except ModuleNotFoundError as exc:
        raise UsageError(
            f"serve needs the server extra ({exc.name} is missing): pip install 'rem-agent[server]'"
        ) from None

    load_zone(args.tz)
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, not {args.port}")
    if args.queue < 1 or args.deadline <= 0 or args.cache_size < 0:
        raise UsageError("--queue must be 1 or more, --deadline positive, --cache-size 0 or more")
    agent = agent_from_args(args, cache_size=args.cache_size)
    settings = ServerSettings(max_queue=args.queue, deadline_s=args.deadline)
    app = create_app(agent, settings)
    # Bind first, so the address printed is the real one (also with --port 0) and
    # connections made right after it queue in the backlog instead of failing.
    sock = _bind(args.host, args.port)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    status(f"listening on http://{shown}:{port} (model loading in the background)")
    config = uvicorn.Config(
        app, log_level=args.log_level, lifespan="on", timeout_graceful_shutdown=5
    )
    server = _server_class()(config, app.service.scheduler.abort_soon)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn re-raises Ctrl-C after its graceful shutdown: that is a clean stop
    finally:
        sock.close()
    status("stopped")
    return 0


def _server_class() -> type:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn, but Ctrl-C first answers every waiting request with 503 at once:
        uvicorn would otherwise wait for them (up to a generation) before shutting down."""

        def __init__(self, config: uvicorn.Config, on_exit: Any) -> None:
            super().__init__(config)
            self._on_exit = on_exit

        def handle_exit(self, sig: int, frame: Any) -> None:
            self._on_exit()
            super().handle_exit(sig, frame)

    return Server


def _bind(host: str, port: int) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise UsageError(f"--host {host!r} is not an address this machine has: {exc}") from None
    family, kind, _, _, address = infos[0]
    # proto=TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say they are TCP;
    # without it every response waits 40 ms for the client's delayed ACK.
    sock = socket.socket(family, kind, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock
