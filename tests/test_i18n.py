"""symrnn speaks Spanish: every message has a translation, in the lecture's own terms, and the
language is chosen by --lang or $SYMRNN_LANG."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from symrnn.cli import main
from symrnn.i18n import LANGUAGES, UnknownLanguage, _, language_from, use_language
from symrnn.i18n.catalog import extracted, read, untranslated

GLOSSARY = tomllib.loads((Path(__file__).resolve().parents[1] / "symrnn/i18n/glossary.toml").read_text("utf-8"))["term"]


@pytest.fixture(scope="module")
def spanish():
    return read("es")


def test_every_message_of_the_code_is_in_the_spanish_catalogue_and_translated(spanish):
    wanted = {m.id for m in extracted() if m.id}
    have = {m.id for m in spanish if m.id}
    assert not wanted - have, f"run python -m symrnn.i18n.catalog: new messages {sorted(wanted - have, key=str)[:10]}"
    assert not have - wanted, f"obsolete messages in the catalogue: {sorted(have - wanted, key=str)[:10]}"
    assert not untranslated(spanish), f"messages without a Spanish translation: {untranslated(spanish)[:10]}"


def test_translations_keep_their_placeholders(spanish):
    placeholder = re.compile(r"%\(\w+\)[sdr]|%[sdr]|\{\w*\}")
    for m in spanish:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        want = sorted(set(placeholder.findall(ids[-1])))
        for s in strings:
            assert sorted(set(placeholder.findall(s))) == want, (m.id, s)


@pytest.mark.parametrize("term", GLOSSARY, ids=lambda t: t["en"])
def test_the_lecture_s_terms_are_used_consistently(spanish, term):
    english = re.compile(rf"\b{re.escape(term['en'])}s?\b", re.IGNORECASE)
    for m in spanish:
        msgid = m.id if isinstance(m.id, str) else (m.id or ("",))[0]
        if not msgid or not english.search(msgid):
            continue
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for s in strings:
            assert any(form.lower() in s.lower() for form in term["es"]), (
                f"{msgid!r} is translated {s!r}: the glossary says {term['en']!r} is {' / '.join(term['es'])}")


def test_language_selection(monkeypatch):
    monkeypatch.delenv("SYMRNN_LANG", raising=False)
    assert language_from(None) == "en"
    monkeypatch.setenv("SYMRNN_LANG", "es_AR.UTF-8")
    assert language_from(None) == "es"
    assert language_from("en") == "en"
    with pytest.raises(UnknownLanguage, match="SYMRNN_LANG"):
        monkeypatch.setenv("SYMRNN_LANG", "fr")
        language_from(None)
    with use_language("es"):
        assert _("options") == "opciones"
    assert set(LANGUAGES) == {"en", "es"}


def test_the_cli_speaks_the_requested_language(capsys, monkeypatch):
    monkeypatch.delenv("SYMRNN_LANG", raising=False)
    with pytest.raises(SystemExit):
        main(["derive", "--lang", "es"])
    assert "se requieren los siguientes argumentos" in capsys.readouterr().err
    monkeypatch.setenv("SYMRNN_LANG", "es")
    with pytest.raises(SystemExit):
        main(["derive"])
    assert "se requieren" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["derive", "--lang", "en"])
    assert "the following arguments are required" in capsys.readouterr().err
    assert main(["derive", "x", "--lang", "xx"]) == 2
    assert "--lang" in capsys.readouterr().err


def test_an_unknown_language_is_one_line():
    proc = subprocess.run([sys.executable, "-m", "symrnn.cli", "derive", "rnn-linear", "--lang", "fr"],
                          check=False, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "fr" in proc.stderr


def test_every_catalogue_title_is_translated_where_it_is_shown():
    from symrnn.core import catalogue

    for name in catalogue.names():
        spec = catalogue.load(name)
        assert spec.title in catalogue.TITLES, f"add {name}'s title to core.catalogue.TITLES"
        with use_language("es"):
            assert catalogue.shown_title(spec) != spec.title
        assert catalogue.shown_title(spec) == spec.title
