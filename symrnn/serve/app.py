"""The Starlette application of ``symrnn serve``: question pages, preview, submissions, verdicts, export.

Routes: ``/`` (the questions), ``/q/{id}`` (a question; POST submits), ``/preview`` (how an answer
is read, as MathML), ``/r/{token}`` (a submission's verdict, waiting briefly while it is graded),
``/export/results.csv``, ``/export/summary.md|csv``, ``/export/chart.png`` (the lecturer's, with
``?token=`` printed at start), ``/static/...``. Forms carry a CSRF token: an HMAC of a random
cookie (``SameSite=Strict``, ``HttpOnly``) under the server's key. Form bodies are read here
(``application/x-www-form-urlencoded`` only, strict UTF-8), after ``guard.Guard`` bounded them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import __version__
from ..check import limits
from ..check.words import status_word
from ..i18n import _, current, use_language
from . import export, render
from .mathml import to_mathml
from .preview import reading
from .questions import Question

MAX_STUDENT = 80
"""Longest student id."""

WAIT_SECONDS = 20.0
"""How long a verdict page waits for the grader before it shows 'being graded' (and reloads)."""

COOKIE = "symrnn_csrf"


@dataclass
class Settings:
    export_token: str
    course: str = "symrnn: check your derivation"
    csrf_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    wait: float = WAIT_SECONDS
    lang: str = field(default_factory=current)  # every page and verdict: the language of serve --lang


class BadForm(ValueError):
    pass


def _form(body: bytes, content_type: str) -> dict[str, str]:
    if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        raise BadForm(_("send the form as application/x-www-form-urlencoded"))
    try:
        fields = parse_qs(body.decode("ascii"), keep_blank_values=True, strict_parsing=False,
                          encoding="utf-8", errors="strict", max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        raise BadForm(_("the form is not valid UTF-8 form data")) from None
    return {k: v[0] for k, v in fields.items()}


class Server:
    """The application's state: questions (rendered once), the store, the grader and the waiters."""

    def __init__(self, questions: tuple[Question, ...], store, grader, settings: Settings):
        self.questions = {q.qid: q for q in questions}
        self.order = questions
        self.store = store
        self.grader = grader
        self.settings = settings
        self.env = render.environment()
        self.pages = {q.qid: (render.rich(q.statement), render.rich(q.prompt)) for q in questions}
        self.loop: asyncio.AbstractEventLoop | None = None
        self.waiters: dict[int, list[asyncio.Future]] = {}

    # -- helpers ----------------------------------------------------------------------------
    def page(self, name: str, status: int = 200, **context) -> HTMLResponse:
        html = self.env.get_template(name).render(course=_(self.settings.course), version=__version__, lang=current(),
                                                  status_word=status_word, **context)
        return HTMLResponse(html, status_code=status)

    def error(self, status: int, heading: str, message: str) -> HTMLResponse:
        return self.page("error.html", status, heading=heading, message=message)

    def csrf_for(self, cookie: str) -> str:
        return hmac.new(self.settings.csrf_key, cookie.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, request: Request, form: dict) -> bool:
        cookie = request.cookies.get(COOKIE, "")
        return bool(cookie) and hmac.compare_digest(self.csrf_for(cookie), form.get("csrf", ""))

    def done(self, sub_id: int) -> None:
        """Called by the grader's thread: wake whoever waits for ``sub_id``."""
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self._wake, sub_id)

    def _wake(self, sub_id: int) -> None:
        for fut in self.waiters.pop(sub_id, []):
            if not fut.done():
                fut.set_result(True)

    async def wait_for(self, sub_id: int, seconds: float) -> None:
        fut = asyncio.get_running_loop().create_future()
        self.waiters.setdefault(sub_id, []).append(fut)
        try:
            await asyncio.wait_for(fut, seconds)
        except TimeoutError:
            pass
        finally:
            futs = self.waiters.get(sub_id, [])
            if fut in futs:
                futs.remove(fut)
            if not futs:
                self.waiters.pop(sub_id, None)

    # -- routes -----------------------------------------------------------------------------
    async def index(self, request: Request) -> Response:
        return self.page("index.html", questions=self.order)

    def _question_page(self, q: Question, request: Request, status: int = 200, error: str = "",
                       student: str = "", answer: str = "") -> Response:
        cookie = request.cookies.get(COOKIE) or secrets.token_urlsafe(24)
        statement, prompt = self.pages[q.qid]
        response = self.page("question.html", status, question=q, statement=statement, prompt=prompt,
                             csrf=self.csrf_for(cookie), error=error, student=student, answer=answer,
                             max_student=MAX_STUDENT, max_answer=limits.MAX_LENGTH)
        response.set_cookie(COOKIE, cookie, httponly=True, samesite="strict", path="/")
        return response

    async def question(self, request: Request) -> Response:
        q = self.questions.get(request.path_params["qid"])
        if q is None:
            return self.error(404, _("No such question"), _("There is no question at this address."))
        if request.method == "GET":
            return self._question_page(q, request)
        return await self.submit(q, request)

    async def submit(self, q: Question, request: Request) -> Response:
        try:
            form = _form(await request.body(), request.headers.get("content-type", ""))
        except BadForm as err:
            return self.error(400, _("Bad request"), str(err))
        if not self.csrf_ok(request, form):
            return self.error(403, _("Form expired"), _("This form has expired or came from another site: reload the "
                                                        "question page and submit again."))
        student, answer = form.get("student", "").strip(), form.get("answer", "")
        problem = _student_problem(student) or (_("type an answer") if not answer.strip() else "")
        if problem:
            return self._question_page(q, request, 400, error=problem, student=student[:MAX_STUDENT], answer=answer)
        sub = await asyncio.to_thread(self.store.add, q.qid, q.spec, q.grad, student, answer)
        self.grader.notify()
        return RedirectResponse(f"/r/{sub.token}", status_code=303)

    async def preview(self, request: Request) -> Response:
        try:
            form = _form(await request.body(), request.headers.get("content-type", ""))
        except BadForm as err:
            return JSONResponse({"ok": False, "message": str(err)}, status_code=400)
        if not self.csrf_ok(request, form):
            return JSONResponse({"ok": False, "message": _("the page has expired: reload it")}, status_code=403)
        q = self.questions.get(form.get("q", ""))
        if q is None:
            return JSONResponse({"ok": False, "message": _("no such question")}, status_code=404)
        read = await asyncio.to_thread(reading, q.spec, q.grad, form.get("answer", ""))
        if not read.ok:
            return JSONResponse({"ok": False, "message": read.message})
        return JSONResponse({"ok": True, "mathml": str(to_mathml(read.latex)), "latex": read.latex})

    async def result(self, request: Request) -> Response:
        token = request.path_params["token"]
        sub = await asyncio.to_thread(self.store.by_token, token) if len(token) < 64 else None
        if sub is None:
            return self.error(404, _("No such submission"), _("There is no submission at this address."))
        if sub.status == "pending":
            await self.wait_for(sub.id, self.settings.wait)
            sub = await asyncio.to_thread(self.store.by_token, token)
        q = self.questions.get(sub.question) or Question(sub.question, sub.question, sub.spec, sub.grad, (), ())
        prompt = self.pages.get(q.qid, ("", ""))[1]
        if sub.status == "pending":
            return self.page("result.html", question=q, prompt=prompt, submission=sub, pending=True)
        result = sub.result or {}
        read_as = to_mathml(result["read_as"]) if result.get("read_as") else ""
        return self.page("result.html", question=q, prompt=prompt, submission=sub, pending=False, result=result,
                         read_as=read_as, mistakes=render.mistakes(result), counterexample=render.counterexample(result))

    async def export(self, request: Request) -> Response:
        given = request.query_params.get("token", "")
        if not hmac.compare_digest(given.encode(), self.settings.export_token.encode()):
            return self.error(403, _("Forbidden"), _("The export needs the token the server printed when it started."))
        made = export.EXPORTS.get(request.path_params["name"])
        if made is None:
            return self.error(404, _("No such export"), _("Exports: results.csv, summary.md, summary.csv, chart.png."))
        media, make = made
        body = await asyncio.to_thread(make, self.store.all())
        return Response(body, media_type=media, headers={"content-disposition": "attachment"})


def _student_problem(student: str) -> str:
    if not student:
        return _("give your student id")
    if len(student) > MAX_STUDENT:
        return _("a student id has at most {count} characters").format(count=MAX_STUDENT)
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in student):
        return _("a student id may not contain control characters")
    return ""


def build(server: Server) -> Starlette:
    routes = [
        Route("/", server.index),
        Route("/q/{qid}", server.question, methods=["GET", "POST"]),
        Route("/preview", server.preview, methods=["POST"]),
        Route("/r/{token}", server.result),
        Route("/export/{name}", server.export),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        Mount("/static", StaticFiles(directory=str(render.STATIC)), name="static"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app):
        server.loop = asyncio.get_running_loop()
        yield

    return Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(Language, lang=server.settings.lang)])


class Language:
    """Every request is served in the server's language (``serve --lang``, a context variable).

    Not the visitor's Accept-Language: the verdicts are graded once, in the grader's thread, and
    stored with their words, so the page around them speaks the same language."""

    def __init__(self, app, lang: str):
        self.app = app
        self.lang = lang

    async def __call__(self, scope, receive, send):
        with use_language(self.lang):
            await self.app(scope, receive, send)


__all__ = ["Server", "Settings", "build"]
