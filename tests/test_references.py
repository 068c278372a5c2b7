"""D2L equation numbers are attached only to equations that have the book's form."""

from __future__ import annotations

from dataclasses import replace

import pytest

from symrnn.core import catalogue
from symrnn.core.derive import derive
from symrnn.core.references import citation


def _tags(spec) -> dict[str, str]:
    d = derive(spec, 3)
    return {eq.label: citation(spec, eq) for eq in d.equations() if citation(spec, eq)}


def test_the_books_network_gets_every_tag():
    assert _tags(catalogue.load("rnn-linear")) == {
        "adj:h:T": "D2L (9.7.13)", "adj:h:t": "D2L (9.7.14)", "closed:h:t:d2l": "D2L (9.7.15)",
        "grad:W_hx": "D2L (9.7.16)", "grad:W_hh": "D2L (9.7.16)",
    }


def test_without_an_output_layer_the_adjoints_are_not_the_books():
    """dL/dh_T = (1/T)(h_T - y_T) is not D2L (9.7.13); the gradients (9.7.16) still are."""
    spec = replace(catalogue.load("rnn-linear"), output_layer=False)
    tags = _tags(spec)
    assert "adj:h:T" not in tags and "adj:h:t" not in tags and "closed:h:t:d2l" not in tags
    assert tags["grad:W_hh"] == "D2L (9.7.16)"


@pytest.mark.parametrize("change, absent", [
    ({"shape": "many-to-one"}, "adj:h:t"),          # no W_qh^T dL/do_t term before T
    ({"activation": "tanh"}, "adj:h:t"),            # the recurrence goes through dL/da_{t+1}
    ({"notation": "row"}, "adj:h:T"),               # H_t W_hh: another form
    ({"layers": 2}, "adj:h:T"),
])
def test_other_networks_lose_the_tags_whose_form_changed(change, absent):
    tags = _tags(replace(catalogue.load("rnn-linear"), **change))
    assert absent not in tags
