"""How --limit picks samples from loaded data."""

from harness.samples import select_samples


def test_limit_keeps_whole_selection_units(tmp_path):
    """A family's selection_unit (here: the two directions of a celebrity pair) is kept whole."""
    from harness.registry import get_task

    csv_path = tmp_path / "pairs.csv"
    rows = ["child,parent,parent_type"] + [f"Kid{i} Smith,Parent{i} Smith,mother" for i in range(10)]
    csv_path.write_text("\n".join(rows) + "\n")
    task = get_task("reversal-celebrity")
    chosen = select_samples(task, seed=1, limit=5, data=str(csv_path))
    by_row = {}
    for sample in chosen:
        by_row.setdefault(sample["row"], set()).add(sample["direction"])
    assert len(chosen) == 6 and all(d == {"forward", "reverse"} for d in by_row.values())
    assert chosen == select_samples(task, seed=1, limit=5, data=str(csv_path))
