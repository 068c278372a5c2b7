"""Subcommands of the ``symrnn`` CLI: one module each, listed here (the registry)."""

from __future__ import annotations

import importlib

COMMANDS: tuple[str, ...] = (
    "catalogue",
    "derive",
    "prove",
    "check",
    "grade",
    "codegen",
    "verify",
    "exam",
    "report",
    "serve",
)


def load(name: str):
    return importlib.import_module(f"symrnn.commands.{name}")
