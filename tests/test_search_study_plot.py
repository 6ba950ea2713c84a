"""The search-study figure keeps every point label readable (issue 20): coinciding points of one line
get one label naming all their budgets, and no label box overlaps another label, a marker, the
legend, or leaves the axes. Boxes are measured with matplotlib's own renderer."""

from __future__ import annotations

import itertools

import pytest

from harness.report.metrics import MetricValue

pytest.importorskip("matplotlib")


def row(strategy: str, budget: int, n: int, tokens: float, accuracy: float) -> dict:
    return {"strategy": strategy, "budget": budget, "n": n, "problems": 20,
            "metrics": {"tokens": MetricValue(tokens, tokens - 1, tokens + 1, 20),
                        "accuracy": MetricValue(accuracy, max(0.0, accuracy - 0.1), min(1.0, accuracy + 0.1), 20)}}


def crowded_rows() -> list[dict]:
    """What a small model gives: it stops after ~40 tokens whatever the budget, so B=64,128,256 of
    the sequential line coincide, and the parallel lines crowd the same corner at accuracy 0."""
    rows = [row("sequential", b, 1, 41.0, 0.0) for b in (64, 128, 256)] + [row("sequential", 512, 1, 44.0, 0.05)]
    for n in (2, 4):
        rows += [row("parallel", b, n, 40.0 * n + (b > 64) * 0.5, 0.0) for b in (64, 128, 256)]
        rows.append(row("parallel", 512, n, 42.0 * n, 0.05))
    return rows


def label_boxes(figure):
    from matplotlib.text import Annotation, Text

    renderer = figure.canvas.get_renderer()
    axis = figure.axes[0]
    labels = [t for t in axis.texts if isinstance(t, Annotation)]
    return axis, renderer, labels, [Text.get_window_extent(t, renderer) for t in labels]


def test_coinciding_points_share_one_label_naming_every_budget():
    from studies.search.plots import figure_accuracy_vs_tokens

    figure = figure_accuracy_vs_tokens(crowded_rows(), "crowded")
    _, _, labels, _ = label_boxes(figure)
    texts = sorted(t.get_text() for t in labels)
    assert texts.count("B=64,128,256") == 1  # the sequential line's three coinciding points
    assert texts.count("B=128,256") == 2 and texts.count("B=64") == 2  # parallel: 64 apart, 128/256 together
    assert texts.count("B=512") == 3


def test_no_label_overlaps_another_label_the_legend_or_leaves_the_axes():
    from studies.search.plots import figure_accuracy_vs_tokens

    figure = figure_accuracy_vs_tokens(crowded_rows(), "crowded")
    figure.canvas.draw()
    axis, renderer, labels, boxes = label_boxes(figure)
    assert len(labels) == 8
    for (a, box_a), (b, box_b) in itertools.combinations(zip(labels, boxes), 2):
        assert not box_a.overlaps(box_b), f"{a.get_text()!r} overlaps {b.get_text()!r}"
    frame = axis.get_window_extent(renderer)
    legend = axis.get_legend().get_window_extent(renderer)
    points = [axis.transData.transform(xy) for line in axis.get_lines() for xy in line.get_xydata()]
    for label, box in zip(labels, boxes):
        assert not box.overlaps(legend), label.get_text()
        assert not any(box.contains(px, py) for px, py in points), f"{label.get_text()!r} hides a point"
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1, label.get_text()
    import matplotlib.pyplot as plt

    plt.close(figure)


def test_png_is_written(tmp_path):
    from studies.search.plots import plot_accuracy_vs_tokens

    path = plot_accuracy_vs_tokens(crowded_rows(), tmp_path / "study.png", "crowded")
    assert path.read_bytes().startswith(b"\x89PNG") and not list(tmp_path.glob("*.tmp*"))
