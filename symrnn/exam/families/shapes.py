"""Which input/output shape of a recurrent network fits a task (the seed's one-to-one,
one-to-many, many-to-one, many-to-many aligned, many-to-many encoder-decoder)."""

from __future__ import annotations

from ...i18n import N_, _
from ..model import Answer, Choice, Part, rich
from ..registry import Draft, Family
from ._draw import pick, retry, shuffled

SHAPES = {
    "one-to-one": N_("one-to-one: one input, one output, no sequence (an ordinary network)"),
    "one-to-many": N_("one-to-many: one input, then a sequence of outputs"),
    "many-to-one": N_("many-to-one: a sequence of inputs, one output at the end"),
    "many-to-many": N_("many-to-many (aligned): one output for every input, step by step"),
    "encoder-decoder": N_("many-to-many (encoder-decoder): read the whole input sequence, then produce an output sequence of another length"),
}
WHY = {
    "one-to-one": N_("there is no sequence on either side"),
    "one-to-many": N_("a single input produces a whole sequence"),
    "many-to-one": N_("the whole sequence is summarised into a single answer"),
    "many-to-many": N_("every step of the input gets its own output at the same step"),
    "encoder-decoder": N_("input and output are sequences of different lengths, not aligned step by step"),
}
TASKS = (
    (N_("Classify the sentiment (positive or negative) of a product review, read word by word."), "many-to-one"),
    (N_("Predict tomorrow's closing price of a stock from its last 30 daily prices."), "many-to-one"),
    (N_("Decide whether a recorded heartbeat signal is normal, from its samples over ten seconds."), "many-to-one"),
    (N_("Suggest the next word after every word a user types in an e-mail editor."), "many-to-many"),
    (N_("Tag every word of a sentence with its part of speech (noun, verb, ...)."), "many-to-many"),
    (N_("Label every video frame as 'goal' or 'no goal' while a match is streamed."), "many-to-many"),
    (N_("Translate a sentence from Spanish into English."), "encoder-decoder"),
    (N_("Summarise a long news article into a short headline."), "encoder-decoder"),
    (N_("Transcribe a spoken sentence (audio samples) into its letters."), "encoder-decoder"),
    (N_("Write a caption (a sentence) describing a single photograph."), "one-to-many"),
    (N_("Generate a melody, note after note, from a chosen starting note."), "one-to-many"),
    (N_("Predict a house's price from its size, age and number of rooms."), "one-to-one"),
)


def _draw_once(rng) -> Draft:
    task, shape = pick(rng, TASKS)
    keys = shuffled(rng, tuple(sorted(SHAPES)))
    choices = tuple(
        Choice(rich(_(SHAPES[key])), correct=(key == shape),
               note="" if key == shape else _("Not {shape}: here {why}.").format(shape=key, why=_(WHY[shape])))
        for key in keys
    )
    statement = rich(_("Recurrent networks are used with several input/output shapes."), _("Task: {task}").format(task=_(task)))
    parts = (Part(rich(_("Which shape fits the task?")), Answer("choice", 1, choices=choices)),)
    words = _(SHAPES[shape])
    solution = rich(f"{words[0].upper()}{words[1:]}: {_(WHY[shape])}.")
    return Draft(statement, parts, solution, (("task", task), ("order", keys)))


def draw(rng) -> Draft:
    return retry(_draw_once, rng)


FAMILY = Family(
    name="sequence-shape",
    title=N_("Input and output shapes"),
    topic=N_("One-to-one, one-to-many, many-to-one, many-to-many (aligned and encoder-decoder)"),
    draw=draw,
    space=len(TASKS) * 120,
)
