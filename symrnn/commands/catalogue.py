"""``symrnn catalogue``: list the networks shipped with symrnn."""

from __future__ import annotations

from ..core import catalogue

NAME = "catalogue"
HELP = "list the catalogue networks (usable by name in every command)"


def register(parser) -> None:
    pass


def run(args) -> int:
    for name in catalogue.names():
        spec = catalogue.load(name)
        print(f"{name:<12} {spec.title}")
    return 0
