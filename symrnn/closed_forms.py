"""Closed forms read off a derivation (filled in below)."""

from __future__ import annotations


def closed_forms(derivation):
    return []
