"""A class summary of graded rows: how many are correct, how many show each named mistake.

``summarize(results)`` counts; ``to_text`` (a terminal table), ``to_markdown``, ``to_csv`` and
``bar_chart`` (a PNG, matplotlib's Agg backend) present the same counts, mistakes in the
catalogue's order (``symrnn.core.mistakes``), so a lecturer sees at a glance what to teach again.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass

from ..core.mistakes import MISTAKES
from ..i18n import N_, _
from .words import status_word

STATUSES = ("correct", "wrong", "invalid", "error", "timeout", "ungraded")
COLUMNS = (N_("kind"), N_("what"), N_("rows"), N_("share"))
"""The Markdown table's headings (the CSV's stay English: tools read them)."""
KINDS = {"status": N_("status"), "mistake": N_("mistake"), "flag": N_("flag")}


@dataclass(frozen=True)
class Summary:
    total: int
    statuses: tuple[tuple[str, int], ...]
    mistakes: tuple[tuple[str, str, int], ...]  # (id, title, rows showing it)
    duplicates: int

    def count(self, status: str) -> int:
        return dict(self.statuses).get(status, 0)

    def rows(self) -> list[tuple[str, str, int]]:
        """``(kind, what, count)``: every status, then every mistake seen."""
        out = [("status", status_word(s), n) for s, n in self.statuses]
        out += [("mistake", f"{_(title)} ({mid})", n) for mid, title, n in self.mistakes]
        if self.duplicates:
            out.append(("flag", _("rows whose id is repeated"), self.duplicates))
        return out


def summarize(results: list[dict]) -> Summary:
    statuses = Counter(r.get("status", "") for r in results)
    mistakes: Counter = Counter()
    for r in results:
        for mid in filter(None, str(r.get("mistakes", "")).split(";")):
            mistakes[mid] += 1
    order = {mid: m.number for mid, m in MISTAKES.items()}
    known = [s for s in STATUSES if statuses.get(s)] + sorted(s for s in statuses if s not in STATUSES)
    listed = sorted(mistakes, key=lambda m: (order.get(m, 10**6), m))
    return Summary(
        total=len(results),
        statuses=tuple((s, statuses[s]) for s in known),
        mistakes=tuple((m, MISTAKES[m].title_en if m in MISTAKES else m, mistakes[m]) for m in listed),
        duplicates=sum(1 for r in results if r.get("flags")),
    )


def _share(n: int, total: int) -> str:
    return f"{100 * n / total:.0f}%" if total else "-"


def to_text(summary: Summary) -> str:
    lines = [_("{count} submissions").format(count=summary.total)]
    width = max([len(what) for _, what, _ in summary.rows()] + [10])
    for _kind, what, n in summary.rows():
        lines.append(f"  {what:<{width}}  {n:>6}  {_share(n, summary.total):>4}")
    return "\n".join(lines)


def to_markdown(summary: Summary) -> str:
    title = _("Class summary ({count} submissions)").format(count=summary.total)
    head = "| " + " | ".join(_(c) for c in COLUMNS) + " |"
    lines = [f"# {title}", "", head, "| --- | --- | ---: | ---: |"]
    for kind, what, n in summary.rows():
        lines.append(f"| {_(KINDS[kind])} | {what.replace('|', '/')} | {n} | {_share(n, summary.total)} |")
    return "\n".join(lines) + "\n"


def to_csv(summary: Summary) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["kind", "what", "rows", "share"])  # machine columns: the same in every language
    for kind, what, n in summary.rows():
        writer.writerow([kind, what, n, _share(n, summary.total)])
    return "\ufeff" + out.getvalue()


def bar_chart(summary: Summary, path) -> None:
    """Correct, wrong and not readable, then each mistake, as horizontal bars (a PNG at ``path``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    bars = [(status_word(s), n) for s, n in summary.statuses] + [(_(title), n) for _mid, title, n in summary.mistakes]
    colours = ["#4c72b0"] * len(summary.statuses) + ["#dd8452"] * len(summary.mistakes)
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(bars) + 1.5))
    try:
        labels = [label for label, _ in bars][::-1]
        counts = [n for _, n in bars][::-1]
        ax.barh(range(len(bars)), counts, color=colours[::-1])
        ax.set_yticks(range(len(bars)), labels)
        for y, n in enumerate(counts):
            ax.text(n, y, f" {n}", va="center")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlim(0, max(counts, default=1) * 1.12 + 0.5)
        ax.set_xlabel(_("submissions"))
        ax.set_title(_("Class summary: {count} submissions (blue: verdicts, orange: named mistakes)").format(
            count=summary.total))
        fig.tight_layout()
        fig.savefig(path, format="png", dpi=100, metadata={"Software": None})
    finally:
        plt.close(fig)


WRITERS = {".md": to_markdown, ".csv": to_csv}
"""``--summary FILE``: the format by the file's suffix."""
