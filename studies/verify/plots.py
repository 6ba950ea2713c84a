"""The study figure: per task, selection accuracy against N (left) and against the tokens spent per
problem (right), one line per selector, 95% CI bars. matplotlib is imported inside the function,
with the non-interactive Agg backend, so importing this module costs nothing."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

MARKERS = {"majority": "o", "forward-lp": "s", "trlm": "^", "fobar": "D", "oracle": "*"}
COLOURS = {"majority": "tab:blue", "forward-lp": "tab:orange", "trlm": "tab:green", "fobar": "tab:red", "oracle": "tab:gray"}
STYLES = {"oracle": ":"}
SPREAD = 0.05  # selectors at one N are drawn this far apart (in log2 units), so equal points stay visible


def selection_figure(rows: Sequence[Mapping[str, Any]], title: str) -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    tasks = list(dict.fromkeys(row["task"] for row in rows))
    figure, axes = plt.subplots(len(tasks), 2, figsize=(10, 3.6 * len(tasks)), dpi=110, squeeze=False)
    for (by_n, by_tokens), task in zip(axes, tasks):
        mine = [row for row in rows if row["task"] == task]
        for selector in dict.fromkeys(row["selector"] for row in mine):
            position = list(MARKERS).index(selector) if selector in MARKERS else 0
            points = [r for r in mine if r["selector"] == selector and not math.isnan(r["metrics"]["accuracy"].value)]
            if not points:
                continue
            ys = [r["metrics"]["accuracy"].value for r in points]
            errors = [[max(0.0, y - _or(r["metrics"]["accuracy"].ci_low, y)) for y, r in zip(ys, points)],
                      [max(0.0, _or(r["metrics"]["accuracy"].ci_high, y) - y) for y, r in zip(ys, points)]]
            style = dict(marker=MARKERS.get(selector, "o"), linestyle=STYLES.get(selector, "-"), capsize=3, label=selector,
                         color=COLOURS.get(selector))
            shift = 2 ** (SPREAD * (position - 2))
            by_n.errorbar([r["n"] * shift for r in points], ys, yerr=errors, **style)
            by_tokens.errorbar([r["metrics"]["tokens"].value for r in points], ys, yerr=errors, **style)
        problems = max(row["problems"] for row in mine)
        by_n.set_title(f"{task}: accuracy vs N ({problems} problems)", fontsize=9)
        by_n.set_xscale("log", base=2)
        by_n.set_xticks(sorted({r["n"] for r in mine}), [str(n) for n in sorted({r["n"] for r in mine})])
        by_n.set_xlabel("N sampled completions")
        by_tokens.set_title(f"{task}: accuracy vs tokens spent", fontsize=9)
        by_tokens.set_xlabel("tokens per problem (prompt + generated, all requests)")
        for axis in (by_n, by_tokens):
            axis.set_ylim(-0.03, 1.03)
            axis.set_ylabel(mine[0]["primary_metric"])
            axis.grid(alpha=0.3)
        by_n.legend(fontsize=7, loc="best")
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return figure


def _or(value: float | None, default: float) -> float:
    return default if value is None else value
