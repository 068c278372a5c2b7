"""Specs: validation names the field; TOML loading; the catalogue resolves after install."""

from __future__ import annotations

import dataclasses

import pytest

from symrnn.core import catalogue
from symrnn.core.errors import SpecError, UnknownName
from symrnn.core.spec import MLPSpec, RNNSpec, load_spec_text, with_steps

GOOD = """
name = "x"
network = "rnn"
cell = "rnn"
input_size = 2
hidden_size = 3
output_size = 2
"""


def test_catalogue_has_every_seed_network():
    assert catalogue.names() == (
        "deep-rnn", "gru-d2l", "gru-torch", "lstm", "mlp-2-2-2", "rnn-linear", "rnn-scalar", "rnn-scalar-sigmoid",
        "rnn-tanh",
    )


@pytest.mark.parametrize("name", catalogue.names())
def test_catalogue_specs_load_and_keep_their_name(name):
    assert catalogue.load(name).name == name


def test_rnn_linear_is_d2l_97():
    spec = catalogue.load("rnn-linear")
    assert (spec.cell, spec.activation, spec.bias, spec.notation, spec.reduction) == ("rnn", "identity", False, "column", "mean")


def test_seed_mlp_carries_the_worked_example():
    example = catalogue.load("mlp-2-2-2").example.as_dict()
    assert example["w5"] == 0.40 and example["i1"] == 0.05 and example["b2"] == 0.60


def test_good_toml_loads():
    spec = load_spec_text(GOOD)
    assert isinstance(spec, RNNSpec) and spec.hidden_size == 3


@pytest.mark.parametrize(
    "change, bad, field",
    [
        ('cell = "rnn"', 'cell = "elman"', "cell"),
        ("hidden_size = 3", "hidden_size = 0", "hidden_size"),
        ("hidden_size = 3", "hidden_size = -3", "hidden_size"),
        ("hidden_size = 3", "hidden_size = 2.5", "hidden_size"),
        ("hidden_size = 3", "hidden_size = 99999999999", "hidden_size"),
        ("hidden_size = 3", 'hidden_size = "two"', "hidden_size"),
        ("hidden_size = 3", "hidden_size = true", "hidden_size"),
        ("input_size = 2", "input_size = 0", "input_size"),
    ],
)
def test_bad_values_name_the_field(change, bad, field):
    with pytest.raises(SpecError) as err:
        load_spec_text(GOOD.replace(change, bad))
    assert f"'{field}'" in str(err.value)


@pytest.mark.parametrize(
    "text, field",
    [
        (GOOD + "steps = 0\n", "steps"),
        (GOOD + "steps = 100000\n", "steps"),
        (GOOD + "activation = 'softsign'\n", "activation"),
        (GOOD + "colour = 'red'\n", "colour"),
        (GOOD + "loss = 'hinge'\n", "loss"),
        (GOOD + "shape = 'many-to-few'\n", "shape"),
        (GOOD + "layers = 0\n", "layers"),
        (GOOD.replace('network = "rnn"', 'network = "cnn"'), "network"),
        (GOOD.replace('name = "x"', 'name = "a b/../c"'), "name"),
        ("name = 'x'\nnetwork = 'rnn'\ncell = 'rnn'\nhidden_size = 2\noutput_size = 2\n", "input_size"),
        ("this is = not toml [", "(toml)"),
        ("network = 'mlp'\nname = 'm'\nsizes = [2, 2]\nactivations = ['tanh', 'tanh']\n", "activations"),
        ("network = 'mlp'\nname = 'm'\nsizes = [2]\nactivations = []\n", "sizes"),
    ],
)
def test_invalid_specs_give_one_line_errors_naming_the_field(text, field):
    with pytest.raises(SpecError) as err:
        load_spec_text(text)
    message = str(err.value)
    assert f"'{field}'" in message and "\n" not in message


def test_cells_with_fixed_activations_refuse_another():
    with pytest.raises(SpecError, match="'activation'"):
        RNNSpec("x", "lstm", 2, 2, 2, activation="relu")


def test_specs_are_frozen():
    spec = catalogue.load("lstm")
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.hidden_size = 5  # type: ignore[misc]


def test_steps_of_an_mlp_are_refused_with_a_reason():
    with pytest.raises(SpecError, match="no time axis"):
        with_steps(MLPSpec("m", (2, 2), ("tanh",)), 3)


def test_unknown_catalogue_name():
    with pytest.raises(UnknownName, match="rnn-linear"):
        catalogue.resolve("rnn-linearr")


def test_hostile_toml_is_refused_cleanly():
    with pytest.raises(SpecError, match="nested too deeply|not valid TOML"):
        load_spec_text("a = " + "[" * 50000 + "]" * 50000)
    with pytest.raises(SpecError):
        load_spec_text(GOOD + "[example]\nW_hh = " + "[" * 500 + "]" * 500)
    with pytest.raises(SpecError, match="larger than 1 MB"):
        load_spec_text("# " + "x" * 2_000_000)


def test_spec_paths_must_be_regular_files(tmp_path):
    """/dev/zero was read without limit and a FIFO blocked the read forever."""
    import os

    from symrnn.core.errors import SpecError
    from symrnn.core.spec import load_spec_file

    fifo = tmp_path / "spec.toml"
    os.mkfifo(fifo)
    for path in ("/dev/zero", fifo, tmp_path):
        with pytest.raises(SpecError, match="not a regular file"):
            load_spec_file(path)
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * 1_000_001)
    with pytest.raises(SpecError, match="larger than 1 MB"):
        load_spec_file(big)
