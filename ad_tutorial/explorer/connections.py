"""The classroom server's connections: uvicorn's HTTP/1.1 protocol with two guards.

uvicorn times out a connection only while it is idle between requests (its keep-alive
timeout, armed when a response is complete), and counts connections only to answer
503. So a client that opens a connection and never finishes its request head (or its
body) would hold it for ever, and a thousand such clients would hold a thousand. Here

* each request must arrive in full within ``Limits.request_seconds`` of when the
  connection started waiting for it, or the connection is closed;
* ``Limits.connections`` connections are served at once, first come first served: a
  connection made while that many are being served is answered 429 with
  ``{"error": "…"}`` (the server's own busy answer) and closed; beyond CROWD times as
  many open connections, a new one is closed at once, unread, so that what a crowd of
  connections holds (some 16 KiB each at the peak) stays bounded too.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from .limits import BUSY, Limits

CROWD = 4


def protocol(limits: Limits) -> type[H11Protocol]:
    """The protocol class for uvicorn (``Config(http=…)``) of one server, holding to
    `limits`."""
    return type("ClassroomProtocol", (ClassroomProtocol,), {"limits": limits,
                                                             "served": set()})


class ClassroomProtocol(H11Protocol):
    """One connection. h11 says what the client owes: ``their_state`` is IDLE until a
    whole request head has come, SEND_BODY until the whole body has."""

    limits: Limits = Limits()
    served: set[ClassroomProtocol] = set()     # the connections being served, at most
                                                # limits.connections (one set per server)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline: asyncio.TimerHandle | None = None
        self.app = self._unless_crowded(self.app)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > CROWD * self.limits.connections:
            transport.close()
            return
        if len(self.served) < self.limits.connections:
            self.served.add(self)
        self._expect_request()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._expect_request()

    def connection_lost(self, exc: Exception | None) -> None:
        self.served.discard(self)
        if self.deadline is not None:
            self.deadline.cancel()
        super().connection_lost(exc)

    def _expect_request(self) -> None:
        """Give the client `request_seconds` for the next request, from now."""
        if self.deadline is not None:
            self.deadline.cancel()
        self.deadline = self.loop.call_later(self.limits.request_seconds, self._too_slow)

    def _too_slow(self) -> None:
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY) and not self.transport.is_closing():
            self.transport.close()

    def _unless_crowded(self, app: Any) -> Any:
        async def guarded(scope: Any, receive: Any, send: Any) -> None:
            if self in self.served:
                return await app(scope, receive, send)
            body = json.dumps({"error": BUSY}).encode()
            await send({"type": "http.response.start", "status": 429, "headers": [
                (b"content-type", b"application/json"), (b"retry-after", b"1"),
                (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
            await send({"type": "http.response.body", "body": body})
        return guarded
