"""Start-up of ``symrnn serve``: set every question up, open the store, start the grader, listen.

The order matters: the checker's set-up of every question is built (and checked: a question
the checker cannot grade stops the server with its message) before the grader forks its
workers, so they inherit it; the store is opened before listening, and rows left pending by an
earlier run are graded first.
"""

from __future__ import annotations

import os
import secrets
import socket
import sys
from dataclasses import dataclass

from ..check import limits
from ..i18n import N_, _
from .questions import Question

KEEP_ALIVE = 30
"""Seconds an idle connection is kept open. Shorter, a client that is slow to send its next request
(a loaded laptop; 200 students from one load-test process) races the server closing it and gets
a reset instead of a reply."""

WARM_ANSWER = "0"
"""An answer checked once per question at start: it builds the set-up and the mistakes' table."""


@dataclass(frozen=True)
class Options:
    host: str = "127.0.0.1"
    port: int = 8000
    db: str = "symrnn-serve.sqlite"
    workers: int = 0  # 0: every core
    rate: float = 30.0  # submissions a minute per client address
    time_limit: float = limits.TIME_LIMIT
    read_timeout: float = 10.0  # seconds a client may pause while sending a body
    course: str = N_("symrnn: check your derivation")  # translated where it is shown


def warm(questions: tuple[Question, ...]) -> None:
    """The checker's set-up of each (spec, quantity), built in this process before any fork."""
    from ..check.verdict import check_answer
    from .preview import problem

    for spec, grad in dict.fromkeys((q.spec, q.grad) for q in questions):
        problem(spec, grad)
        check_answer(spec, grad, WARM_ANSWER, time_limit=None)


def listen(host: str, port: int) -> socket.socket:
    from ..core.errors import SymrnnError

    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(512)
    except OSError as err:
        raise SymrnnError(_("cannot listen on {address}: {reason}").format(address=f"{host}:{port}", reason=err.strerror or err)) from None
    sock.set_inheritable(True)
    return sock


def serve(questions: tuple[Question, ...], options: Options, out=sys.stdout) -> None:
    import uvicorn

    from .app import Language, Server, Settings, build
    from .grader import Grader
    from .guard import Guard
    from .store import Store

    warm(questions)
    store = Store(options.db)
    settings = Settings(export_token=secrets.token_urlsafe(24), course=options.course)
    server = Server(questions, store, None, settings)
    server.grader = Grader(store, options.workers or os.cpu_count() or 1, options.time_limit, on_done=server.done)
    sock = listen(options.host, options.port)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    pending = store.counts().get("pending", 0)
    address = f"http://{shown}:{port}"
    print("symrnn serve: " + _("{count} questions at {address}").format(count=len(questions), address=f"{address}/"), file=out)
    print("symrnn serve: " + _("lecturer export: {address}").format(
        address=f"{address}/export/results.csv?token={settings.export_token}"), file=out)
    print("symrnn serve: " + _("(also summary.md, summary.csv, chart.png); submissions in {db}").format(db=options.db)
          + (_("; {count} left pending by an earlier run are graded first").format(count=pending) if pending else ""),
          file=out, flush=True)
    server.grader.start()
    app = Language(Guard(build(server), options.rate, read_timeout=options.read_timeout), settings.lang)  # its refusals too
    config = uvicorn.Config(app, log_level="warning", timeout_keep_alive=KEEP_ALIVE, limit_concurrency=2000,
                            http="h11", h11_max_incomplete_event_size=16 * 1024, lifespan="on", access_log=False)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        server.grader.stop()
        store.close()


__all__ = ["Options", "serve", "warm"]
