"""The server's outer wall, an ASGI middleware: body size and read time, a rate per client, headers.

Before a request reaches the application:

* a ``POST`` is counted against its client's token bucket (``Limiter``: ``rate`` requests a
  minute, as a burst of ``rate``; previews have their own bucket, ``PREVIEW_FACTOR`` times
  larger), and refused with 429 and ``Retry-After`` past it;
* its body is read here, whole, at most ``max_body`` bytes (413 past it, from the declared
  ``Content-Length`` or while reading) and with at most ``read_timeout`` seconds between chunks
  (408 for a client that stalls), then handed on;
* a request whose head is larger than ``MAX_HEADERS`` gets 431;
* every response gets a strict Content-Security-Policy (scripts and styles from this server
  only, no frames, forms posting only here), ``nosniff`` and ``no-referrer``.
"""

from __future__ import annotations

import asyncio
import time

from ..i18n import _

MAX_BODY = 64 * 1024
"""Largest request body, in bytes (an answer is at most 2,000 characters)."""

MAX_HEADERS = 16 * 1024
"""Largest request head (path, query and headers), in bytes; h11's own limit applies only to a
head that arrives in pieces."""

READ_TIMEOUT = 10.0
"""Seconds a client may pause while sending a body."""

PREVIEW_FACTOR = 8
"""A preview (sent while typing) may come this many times as often as a submission."""

MAX_CLIENTS = 100_000
"""Clients the limiter remembers; past it, the ones with full buckets are forgotten."""

CSP = (b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       b"form-action 'self'; base-uri 'none'; frame-ancestors 'none'")

HEADERS = (
    (b"content-security-policy", CSP),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
)


class Limiter:
    """Token buckets by key: ``rate`` a minute, at most ``rate`` saved up."""

    def __init__(self, rate: float, clock=time.monotonic):
        self.rate = float(rate)
        self._clock = clock
        self._buckets: dict[tuple, tuple[float, float]] = {}

    def allow(self, key: tuple, factor: float = 1.0) -> float:
        """0 when the request may go ahead (and is counted), else the seconds to wait."""
        capacity = self.rate * factor
        now = self._clock()
        tokens, last = self._buckets.get(key, (capacity, now))
        tokens = min(capacity, tokens + (now - last) * capacity / 60.0)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) * 60.0 / capacity
        self._buckets[key] = (tokens - 1.0, now)
        if len(self._buckets) > MAX_CLIENTS:
            self._forget(now)
        return 0.0

    def _forget(self, now: float) -> None:
        full = [k for k, (tokens, last) in self._buckets.items() if now - last > 60.0]
        for k in full:
            del self._buckets[k]


class TooLarge(Exception):
    pass


class TooSlow(Exception):
    pass


async def read_body(receive, max_body: int, timeout: float) -> bytes:
    chunks, size = [], 0
    while True:
        try:
            message = await asyncio.wait_for(receive(), timeout)
        except TimeoutError:
            raise TooSlow from None
        if message["type"] == "http.disconnect":
            raise TooSlow
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_body:
            raise TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _plain(send, status: int, text: str, extra: tuple = ()) -> None:
    body = text.encode("utf-8")
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close"), *HEADERS, *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _declared(scope) -> int | None:
    for key, value in scope.get("headers", ()):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return -1
    return None


def _head_size(scope) -> int:
    return (len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
            + sum(len(k) + len(v) + 4 for k, v in scope.get("headers", ())))


class Guard:
    """Wraps the application: see the module's docstring."""

    def __init__(self, app, rate: float, max_body: int = MAX_BODY, read_timeout: float = READ_TIMEOUT):
        self.app = app
        self.limiter = Limiter(rate)
        self.max_body = max_body
        self.read_timeout = read_timeout

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if _head_size(scope) > MAX_HEADERS:
            return await _plain(send, 431, _("the request's headers are larger than {max_headers} bytes").format(max_headers=MAX_HEADERS) + "\n")
        if scope["method"] == "POST":
            replay = await self._admit(scope, receive, send)
            if replay is None:
                return None
            receive = replay
        return await self.app(scope, receive, _with_headers(send))

    async def _admit(self, scope, receive, send):
        """The request's body as a new ``receive``, or None when it was refused (and answered)."""
        client = (scope.get("client") or ("?", 0))[0]
        kind = "preview" if scope.get("path") == "/preview" else "post"
        wait = self.limiter.allow((client, kind), PREVIEW_FACTOR if kind == "preview" else 1.0)
        if wait:
            await _plain(send, 429, _("too many requests from this address: wait a moment and send again") + "\n",
                         ((b"retry-after", str(int(wait) + 1).encode()),))
            return None
        declared = _declared(scope)
        if declared is not None and (declared < 0 or declared > self.max_body):
            await _plain(send, 413, _("the request body is larger than {max_body} bytes").format(max_body=self.max_body) + "\n")
            return None
        try:
            body = await read_body(receive, self.max_body, self.read_timeout)
        except TooLarge:
            await _plain(send, 413, _("the request body is larger than {max_body} bytes").format(max_body=self.max_body) + "\n")
            return None
        except TooSlow:
            await _plain(send, 408, _("the request body did not arrive within {read_timeout} s").format(read_timeout=f"{self.read_timeout:g}") + "\n")
            return None
        sent = False

        async def replay():
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return replay


def _with_headers(send):
    async def wrapped(message):
        if message["type"] == "http.response.start":
            names = {k.lower() for k, _ in message.get("headers", ())}
            message = {**message, "headers": [*message.get("headers", ()), *(h for h in HEADERS if h[0] not in names)]}
        await send(message)

    return wrapped


__all__ = ["HEADERS", "MAX_BODY", "READ_TIMEOUT", "Guard", "Limiter"]
