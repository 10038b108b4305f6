"""``ad-tutorial serve``: the explorer for a whole class, on a small Starlette app.

``GET /`` is the explorer page with a form, opened on the tutorial's example;
``POST /api/explore`` takes ``{"expression": "x*sin(x)", "at": "x=1", "seed": ""}`` and
answers with the walk (tables, SVG graphs, steps) as JSON, which the page renders.
``GET /practice[?level=1&mode=forward&seed=N]`` is the practice page, a fresh exercise
per visit unless the seed is given.

Every request is checked against :class:`~.limits.Limits` first; anything refused is a
4xx answer with ``{"error": "…"}`` and the server carries on. The work itself (tracing,
both sweeps, drawing the graphs with dot) runs in a few worker threads, each request
with a time limit, so a crowd of students cannot starve one another; a few more requests
may wait for a worker, and the rest are told to try again (429). What a client sends
never earns a 5xx: should the server itself fail, :class:`LastResort` answers 500 with
one sentence, logs one line, and the connection carries on. How long a client may take
to send a request, and how many connections are served, is :mod:`.connections`.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import sys
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..expression import SEED_EXAMPLE
from ..practice import ExerciseError
from ..practice import page as practice_page
from ..rendering import DOT_TIMEOUT
from ..trace import TraceError
from .limits import BUSY, CheckedRequest, Limits, Refusal, check
from .model import build_model
from .page import content_security_policy, render_page

WORKERS = 4
HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "X-Frame-Options": "DENY", "Cache-Control": "no-store"}
LOOPBACK_NAMES = ["127.0.0.1", "localhost", "::1", "[::1]"]
FAILED = "the server failed to answer this request; the teacher can find why in its log"
LOG = logging.getLogger("uvicorn.error")      # where uvicorn writes its own errors


def work(request: CheckedRequest, seconds: float = DOT_TIMEOUT) -> dict[str, Any]:
    """The walk for a checked request: trace, both sweeps, graphs (dot may take `seconds`)."""
    t = request.trace()
    try:
        return build_model(t, request.seed, seconds)
    except TraceError as e:                  # a seed for a variable that is not there
        raise Refusal(str(e), field="seed") from None


class LastResort:
    """ASGI middleware: an exception no one expected becomes a 500 answer whose body is
    one JSON sentence, and one line in the log (not a traceback).

    Starlette's own last resort re-raises, so uvicorn would log the traceback and close
    the connection, losing the requests pipelined behind this one; here the exception
    stops, and the connection carries on.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as e:
            reason = " ".join(f"{type(e).__name__}: {e}".split())[:300]
            LOG.error("ad-tutorial serve: %s %s failed: %s", scope["method"], scope["path"],
                      reason)
            if not started:             # else uvicorn closes the half-answered connection
                await _refused(500, FAILED)(scope, receive, send)


def _refused(status: int, message: str, field: str | None = None) -> JSONResponse:
    body = {"error": message} if field is None else {"error": message, "field": field}
    return JSONResponse(body, status_code=status, headers=HEADERS)


async def _body(request: Request, limit: int) -> bytes:
    """The request body, refused as soon as it is longer than `limit` bytes."""
    declared = request.headers.get("content-length", "0")
    if not declared.isdigit() or int(declared) > limit:
        raise Refusal(f"the request is larger than {limit} bytes", status=413)
    body = b""
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise Refusal(f"the request is larger than {limit} bytes", status=413)
    except ClientDisconnect:         # gone, or cut off for sending too slowly: no one hears
        raise Refusal("the request was not sent in full", status=400) from None
    return body


def _each_name_once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refused if it names a key twice ({"x": 1, "x": 5}): the last one
    silently winning would hide a mistake, as for "x=1 x=5"."""
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise Refusal(f"the request gives {key!r} twice", status=400)
        data[key] = value
    return data


def create_app(limits: Limits = Limits(), trusted_hosts: list[str] | None = None) -> Starlette:
    """The server as an ASGI app. `trusted_hosts`: the Host headers answered (default:
    the loopback names, which keeps other web pages from reaching it through DNS tricks)."""
    workers = anyio.CapacityLimiter(WORKERS)
    page: list[str] = []                   # made on first request, then kept

    def home_page() -> str:
        from ..trace import trace

        text, at = SEED_EXAMPLE
        return render_page(build_model(trace(text, **at)), server=True,
                           max_length=limits.length)

    async def home(request: Request) -> Response:
        if not page:
            page.append(await anyio.to_thread.run_sync(home_page))
        headers = {**HEADERS, "Content-Security-Policy": content_security_policy(server=True)}
        return HTMLResponse(page[0], headers=headers)

    async def api(request: Request) -> Response:
        try:
            try:
                data = json.loads(await _body(request, limits.body_bytes),
                                  object_pairs_hook=_each_name_once)
            except (ValueError, RecursionError):
                raise Refusal("the request is not valid JSON", status=400) from None
            checked = check(data, limits)           # quick, so done right here
            if workers.statistics().tasks_waiting >= limits.queue:
                raise Refusal(BUSY, status=429)
            with anyio.move_on_after(limits.waiting) as waiting:
                await workers.acquire()
            if waiting.cancelled_caught:
                raise Refusal(BUSY, status=429)
            try:
                # On time-out the thread is left to finish its work alone; dot, the only
                # part that could take long, is stopped after `seconds` too.
                with anyio.fail_after(limits.seconds):
                    model = await anyio.to_thread.run_sync(work, checked, limits.seconds,
                                                           abandon_on_cancel=True)
            except TimeoutError:
                raise Refusal(f"working this out took longer than {limits.seconds:g} s; "
                              "try a smaller expression", field="expression") from None
            finally:
                workers.release()
        except Refusal as r:
            return _refused(r.status, r.message, r.field)
        return JSONResponse(model, headers=HEADERS)

    async def practice(request: Request) -> Response:
        try:
            ex = practice_page.served_exercise(request.query_params)
        except ExerciseError as e:
            return _refused(400, str(e))
        page = await anyio.to_thread.run_sync(practice_page.served_page, ex, limiter=workers)
        headers = {**HEADERS, "Content-Security-Policy": practice_page.content_security_policy()}
        return HTMLResponse(page, headers=headers)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        message = {404: f"there is nothing at {request.url.path}; open / for the explorer",
                   405: f"{request.method} is not allowed here"}.get(exc.status_code,
                                                                     str(exc.detail))
        return _refused(exc.status_code, message)

    hosts = trusted_hosts if trusted_hosts is not None else LOOPBACK_NAMES
    return Starlette(
        routes=[Route("/", home, methods=["GET"]),
                Route("/api/explore", api, methods=["POST"]),
                Route("/practice", practice, methods=["GET"])],
        middleware=[Middleware(LastResort),
                    Middleware(TrustedHostMiddleware, allowed_hosts=hosts)],
        exception_handlers={HTTPException: http_error})


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine only (127.0.0.1, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(host: str = "127.0.0.1", port: int = 8000, limits: Limits = Limits()) -> int:
    """Serve the explorer until Ctrl+C. Binds to this machine only unless told otherwise."""
    import socket

    import uvicorn

    from ..rendering import DOT_MISSING, INSTALL_GRAPHVIZ, dot_available
    from .connections import CROWD, protocol

    if not dot_available():
        print(f"ad-tutorial: {DOT_MISSING}; {INSTALL_GRAPHVIZ}", file=sys.stderr)
        return 2
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio turns off Nagle's delay (TCP_NODELAY) only on sockets
    # that say they are TCP; without it every answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)         # from now on connections wait in line for uvicorn
    except OSError as e:
        sock.close()
        print(f"ad-tutorial: cannot listen on {host}:{port}: {e.strerror or e}", file=sys.stderr)
        return 2
    local = is_loopback(host)
    app = create_app(limits, trusted_hosts=None if local else ["*"])
    shown = f"[{host}]" if ":" in host else host
    print(f"ad-tutorial: the explorer is at http://{shown}:{sock.getsockname()[1]}/ "
          "(Ctrl+C stops it)", file=sys.stderr, flush=True)
    if not local:
        print("ad-tutorial: note: anyone who can reach this machine on the network can use "
              "it", file=sys.stderr, flush=True)
    _allow_open_files(CROWD * limits.connections + 256)
    config = uvicorn.Config(app, http=protocol(limits), log_level="warning", access_log=False,
                            server_header=False, timeout_keep_alive=limits.idle_seconds)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def _allow_open_files(wanted: int) -> None:
    """Raise this process's limit on open files (often 1,024) to `wanted`, so that a burst
    of clients is answered (429 beyond the limit) rather than left unaccepted, with a
    traceback in the log for each attempt."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE,
                           (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard), hard))
