"""The ``symrnn`` command line: a registry of subcommands (``symrnn/commands/``).

A :class:`~symrnn.core.errors.SymrnnError` (bad spec, unknown name, limit) is printed on one line
with exit status 2; no traceback reaches the user for bad input.
"""

from __future__ import annotations

import argparse
import sys

from . import __version__
from .commands import COMMANDS, budgets, load
from .core.errors import SymrnnError
from .i18n import LANGUAGES, UnknownLanguage, _, set_language


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (``symrnn derive: error: ...``) and exit status 2."""

    def error(self, message: str):
        self.exit(2, _("{prog}: error: {message} (see '{prog} --help')").format(prog=self.prog, message=message) + "\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="symrnn", description=_("Symbolic derivation and verification of BPTT gradients."))
    parser.add_argument("--version", action="version", version=f"symrnn {__version__}",
                        help=_("show the version and exit"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        module = load(name)
        child = sub.add_parser(module.NAME, help=_(module.HELP), description=_(module.HELP))
        module.register(child)
        budgets.register(child, module)
        child.add_argument("--lang", choices=tuple(LANGUAGES), metavar="LANG",
                           help=_("language of everything printed: en or es (default: $SYMRNN_LANG, else en)"))
        child.set_defaults(_run=budgets.bounded_run(module))
    return parser


def _requested_language(argv: list[str]) -> str | None:
    """``--lang`` read before the parser is built, so that its help and errors are translated too."""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def main(argv: list[str] | None = None) -> int:
    budgets.hard_exit = argv is None  # the program itself: its watchdog may end it past the time limit
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        set_language(_requested_language(argv))
    except UnknownLanguage as err:
        print(f"symrnn: error: {err}", file=sys.stderr)
        return 2
    argparse._ = _  # argparse's own words (usage, options, its errors) through our catalogue
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except SymrnnError as err:
        print(f"symrnn: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # an output path that cannot be written, an input that cannot be read
        where = f": {err.filename}" if err.filename else ""
        print(f"symrnn: error: {err.strerror or err}{where}", file=sys.stderr)
        return 2
    except UnicodeDecodeError as err:
        print(f"symrnn: error: a file is not UTF-8 text ({err.reason} at byte {err.start})", file=sys.stderr)
        return 2
    except SyntaxError as err:  # a person's own Python file given to check --function
        print(f"symrnn: error: {err.filename}, line {err.lineno}: {err.msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("symrnn: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
