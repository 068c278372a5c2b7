"""``symrnn catalogue``: list the networks shipped with symrnn."""

from __future__ import annotations

from ..i18n import N_, _

NAME = "catalogue"
HELP = N_("list the catalogue networks (usable by name in every command)")


def register(parser) -> None:
    pass


def run(args) -> int:
    from ..core import catalogue

    for name in catalogue.names():
        spec = catalogue.load(name)
        print(f"{name:<12} {_(spec.title) if spec.title else ''}")
    return 0
