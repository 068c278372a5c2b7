"""``symrnn serve (--exam EXAM.json | SPEC --grad NAME ...) --db FILE.sqlite``: a checker page for a class.

Students open the page, type a derivation, see how it is read and get the checker's verdict;
every submission is stored in SQLite before it is graded. The lecturer's export link (with its
token) is printed at start. There is no ``--function``: a server never runs code a visitor sends.
"""

from __future__ import annotations

import argparse

from ..core.errors import SymrnnError
from ..i18n import N_, _
from ._common import bounded
from ._seconds import seconds

NAME = "serve"
HELP = N_("serve a checker page for a class (questions from an exam's JSON or SPEC --grad NAME ...)")
BOUNDED = False
"""A server runs until it is stopped; each request's grading has its own time and memory limits."""


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", nargs="?", help=_("a catalogue name or a .toml spec file (with --grad)"))
    parser.add_argument("--grad", action="append", default=[], metavar="NAME",
                        help=_("a quantity to ask (repeat for several): W_hh, h, dL/dh_t, ..."))
    parser.add_argument("--exam", metavar="EXAM.json", help=_("ask every checker-graded part of this exam "
                                                            "('symrnn exam --format json')"))
    parser.add_argument("--db", required=True, metavar="FILE.sqlite", help=_("the submissions database (created if new)"))
    parser.add_argument("--host", default="127.0.0.1", help=_("address to listen on (default 127.0.0.1)"))
    parser.add_argument("--port", type=bounded("--port", 0, 65535), default=8000, help=_("port (default 8000; 0: any free)"))
    parser.add_argument("--workers", type=bounded("--workers", 1, 64), default=None,
                        help=_("grading processes (default: every core)"))
    parser.add_argument("--rate-limit", type=bounded("--rate-limit", 1, 100000), default=30,
                        help=_("submissions a minute per client address (default 30; previews: 8 times as many)"))
    parser.add_argument("--time-limit", type=seconds("--time-limit", 0, 600), default=None,
                        help=_("seconds per answer (default 5)"))
    parser.add_argument("--read-timeout", type=seconds("--read-timeout", 0, 600), default=10.0,
                        help=_("seconds a client may pause while sending a request body (default 10)"))
    parser.add_argument("--title", default=None, help=_("the page's heading (default: 'symrnn: check your derivation')"))


def questions_of(args: argparse.Namespace):
    from ..serve.questions import from_exam, from_spec

    if args.exam and (args.spec or args.grad):
        raise SymrnnError(_("give either --exam EXAM.json or SPEC --grad NAME ..., not both"))
    if args.exam:
        return from_exam(args.exam)
    if not args.spec:
        raise SymrnnError(_("give --exam EXAM.json, or a SPEC with --grad NAME ..."))
    return from_spec(args.spec, args.grad)


def run(args: argparse.Namespace) -> int:
    from ..check import limits
    from ..serve.run import Options, serve

    if args.title is not None and (len(args.title) > 200 or not args.title.strip()):
        raise SymrnnError(_("--title takes 1 to 200 characters"))
    questions = questions_of(args)
    options = Options(host=args.host, port=args.port, db=args.db, workers=args.workers or 0, rate=args.rate_limit,
                      time_limit=args.time_limit or limits.TIME_LIMIT,
                      read_timeout=args.read_timeout, course=args.title or _(Options.course))
    serve(questions, options)
    return 0
