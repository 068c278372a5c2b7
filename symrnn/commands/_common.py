"""Arguments shared by several subcommands."""

from __future__ import annotations

import argparse

from ..i18n import _


def add_spec_arguments(parser: argparse.ArgumentParser, steps: bool = True) -> None:
    parser.add_argument("spec", metavar="SPEC", help=_("a catalogue name (see 'symrnn catalogue') or a TOML spec file"))
    if steps:
        parser.add_argument("--steps", "-T", type=steps_argument, default=None, help=_("sequence length T to unroll (default: the spec's)"))


def bounded(option: str, lo: int, hi: int):
    """An argparse type: a whole number in ``lo..hi``, refused on one line naming the option."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(_("{option} takes a whole number, got {text}").format(option=option, text=repr(text))) from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(_("{option} must be between {lo} and {hi}, got {value}").format(option=option, lo=lo, hi=hi, value=value))
        return value

    return parse


def steps_argument(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("{option} takes a whole number, got {text}").format(option="--steps", text=repr(text))) from None
    return value


def load_spec(args):
    """The spec named by ``args.spec`` (catalogue name or TOML file), unrolled to ``--steps``."""
    from ..core import catalogue
    from ..core.spec import with_steps

    spec = catalogue.resolve(args.spec)
    return with_steps(spec, getattr(args, "steps", None))
