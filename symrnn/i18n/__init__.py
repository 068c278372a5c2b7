"""The language symrnn speaks: every user-facing sentence goes through :func:`_` (gettext).

English is the source language: a message's id is its English text, so ``--lang en`` prints
exactly what the code says. Spanish (``es``, the lecture's language) comes from
``symrnn/i18n/locale/es/LC_MESSAGES/symrnn.po``, a gettext catalogue that Babel extracts and that
is compiled in memory when first used (no compiled ``.mo`` file to keep in step). The terms of
the lecture are fixed in ``glossary.toml`` and a test holds every translation to them.

The language is chosen per command (``--lang es|en``), defaulting to ``$SYMRNN_LANG`` and then to
English; :func:`use_language` sets it for a block of code (a server sets it per request: the
setting is a context variable, so threads and tasks do not share it). A constant that must be
translated later is marked with :func:`N_` and translated where it is printed.
"""

from __future__ import annotations

import contextlib
import contextvars
import gettext
import io
import os
from functools import cache
from pathlib import Path

LANGUAGES: dict[str, str] = {"en": "English", "es": "español"}
DEFAULT = "en"
ENVIRONMENT = "SYMRNN_LANG"
DOMAIN = "symrnn"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("symrnn_language", default=DEFAULT)


class UnknownLanguage(ValueError):
    """A ``--lang`` (or ``$SYMRNN_LANG``) symrnn has no catalogue for.

    A ``ValueError``, not a ``SymrnnError``: this module is a leaf that every layer (the core's
    error messages too) imports, so it imports nothing of symrnn; the CLI prints it on one line."""


def language_from(requested: str | None) -> str:
    """The language a command runs in: ``requested``, else ``$SYMRNN_LANG``, else English."""
    lang = requested if requested else os.environ.get(ENVIRONMENT, "").strip() or DEFAULT
    lang = lang.split(".", 1)[0].split("_", 1)[0].lower()  # es_AR.UTF-8 -> es
    if lang not in LANGUAGES:
        source = "--lang" if requested else f"${ENVIRONMENT}"
        raise UnknownLanguage(f"{source}: no catalogue for {lang[:20]!r}; choose one of {', '.join(LANGUAGES)}")
    return lang


def set_language(lang: str) -> None:
    _current.set(language_from(lang))


def current() -> str:
    return _current.get()


@contextlib.contextmanager
def use_language(lang: str):
    token = _current.set(language_from(lang))
    try:
        yield
    finally:
        _current.reset(token)


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of ``lang``, compiled from its ``.po`` file in memory (English: none)."""
    if lang == DEFAULT:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _(message: str) -> str:
    """``message`` in the current language."""
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for extraction only; it is translated with :func:`_` where it is shown."""
    return message


def quoted_english(text: str) -> str:
    """A third party's text (Python's or a library's exception message) inside a sentence: as it
    is in English; in another language, quoted and said to be English, since it is data symrnn
    cannot translate (symrnn's own messages are translated where they are raised)."""
    if not text or _current.get() == DEFAULT:
        return text
    return _("\u201c{text}\u201d (the original message, in English)").format(text=text)


def listing(items) -> str:
    """Items of a sentence as one list: ``a, b, c`` in English; ``a, b y c`` in Spanish."""
    items = [str(item) for item in items]
    if len(items) < 2:
        return "".join(items)
    # TRANSLATORS: the last item of a list; English keeps its comma ("a, b, c")
    return _("{items}, {last}").format(items=", ".join(items[:-1]), last=items[-1])


__all__ = ["DEFAULT", "LANGUAGES", "N_", "UnknownLanguage", "_", "current", "language_from", "listing", "ngettext",
           "quoted_english", "set_language", "translations", "use_language"]
