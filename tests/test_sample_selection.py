"""How --limit picks samples from loaded data."""

from harness.pipeline.samples import select_samples


def test_limit_keeps_whole_selection_units(tmp_path):
    """A family's selection_unit (here: the two directions of a celebrity pair) is kept whole."""
    from harness.core.registry import get_task

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


def test_a_seeded_limit_subset_keeps_file_order(tmp_path):
    """--limit on loaded data: a seeded subset, returned in the file's order (never shuffled or reversed),
    different for another seed, and the same for the same seed."""
    import json

    from harness.core.registry import get_task

    path = tmp_path / "countdown.jsonl"
    path.write_text("".join(json.dumps({"target": 10 + i, "nums": [i + 1, 2, 3, 4]}) + "\n" for i in range(40)))
    task = get_task("countdown")
    everything = select_samples(task, seed=0, data=str(path))
    order = {sample["id"]: position for position, sample in enumerate(everything)}
    for seed in (0, 1, 2):
        chosen = select_samples(task, seed=seed, limit=12, data=str(path))
        positions = [order[sample["id"]] for sample in chosen]
        assert len(positions) == 12 and positions == sorted(positions), positions
        assert chosen == select_samples(task, seed=seed, limit=12, data=str(path))
    assert select_samples(task, seed=0, limit=12, data=str(path)) != select_samples(task, seed=1, limit=12, data=str(path))
