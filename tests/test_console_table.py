"""The console metrics table fits 80 columns, drops no metric, and counts completions as k/m."""

from __future__ import annotations

from harness.pipeline.runner import GenerationOverrides, RunSpec, run
from harness.report.tables import format_table
from tests.fake_backend import FakeCountdownBackend


def rows(tmp_path, n=None):
    spec = RunSpec(tasks=["countdown", "counterbench"], limit=6, results_dir=str(tmp_path), progress=False,
                   overrides=GenerationOverrides(n=n, temperature=1.0 if n else None))
    return run(spec, backend_factory=lambda m, o: FakeCountdownBackend()).rows


def test_every_metric_is_shown_within_80_columns(tmp_path):
    table_rows = rows(tmp_path, n=4)
    table = format_table(table_rows)
    assert max(len(line) for line in table.splitlines()) <= 80
    for row in table_rows:
        for name in row["metrics"]:
            assert name in table, name  # pass@4, best_of_4, maj@4 included
    assert table.splitlines()[0].split() == ["task", "n", "accuracy", "[95%", "CI]", "out", "tok", "unparsed", "trunc", "err"]


def test_completion_counts_say_what_they_count(tmp_path):
    several = format_table(rows(tmp_path, n=4)).splitlines()
    countdown = next(line for line in several if line.startswith("countdown"))
    assert countdown.split()[-3:] == ["0/24", "0/24", "0"]  # 6 samples x 4 completions
    one = format_table(rows(tmp_path / "one")).splitlines()
    assert next(line for line in one if line.startswith("countdown")).split()[-3:] == ["0", "0", "0"]


def test_group_rows_are_indented_under_their_task(tmp_path):
    lines = format_table(rows(tmp_path)).splitlines()
    assert any(line.startswith("  type=basic ") for line in lines)
