"""report.html of a large run embeds a bounded selection of its samples (sample_data.select_for_page):
every failure of each kind up to a cap, a seeded choice of the rest, in file order; small runs embed
every line, as before. No model."""

from __future__ import annotations

from harness.report.sample_data import FAILURE_KINDS, FAILURES_PER_KIND, select_for_page

KINDS = ("right", "wrong", "right", "unparseable", "right", "truncated", "right", "error", "right", "right")


def numbered(n: int) -> list[tuple[int, dict]]:
    return [(i + 1, {"id": str(i), "kind": KINDS[i % len(KINDS)] if i < n - 50 else "wrong"}) for i in range(n)]


def kind(line) -> str:
    return line["kind"]


def test_a_small_run_embeds_every_line():
    lines = numbered(100)
    shown, selection = select_for_page(lines, kind, limit=100)
    assert shown == lines and selection is None


def test_a_large_run_embeds_failures_up_to_the_cap_then_a_seeded_choice():
    lines = numbered(5_000)
    shown, selection = select_for_page(lines, kind, limit=400, per_kind=30)
    assert selection is not None and len(shown) == selection["embedded"] == 400 and selection["total"] == 5_000
    numbers = [number for number, _ in shown]
    assert numbers == sorted(numbers) and len(set(numbers)) == 400  # file order, no repeats
    for failure in FAILURE_KINDS:  # the first 30 of each kind are all there
        first = [number for number, line in lines if line["kind"] == failure][:30]
        assert set(first) <= set(numbers), failure
    counts = {name: (shown_n, total) for name, shown_n, total in selection["outcomes"]}
    assert counts["right"][1] == sum(1 for _, line in lines if line["kind"] == "right")
    assert sum(shown_n for shown_n, _ in counts.values()) == 400
    again, _ = select_for_page(lines, kind, limit=400, per_kind=30)
    assert again == shown  # deterministic
    other, _ = select_for_page(lines, kind, limit=400, per_kind=30, seed=1)
    assert other != shown  # the seed chooses the rest


def test_the_failure_caps_bound_the_page_even_past_the_limit():
    lines = [(i + 1, {"kind": "wrong"}) for i in range(1_000)]
    shown, selection = select_for_page(lines, kind, limit=100, per_kind=500)
    assert selection is not None and [number for number, _ in shown] == list(range(1, 501))  # the first 500, no seeded rest


def test_lines_of_many_completions_are_embedded_fewer_so_the_page_stays_bounded():
    from harness.report.sample_data import MAX_EMBEDDED_COMPLETIONS, MAX_EMBEDDED_SAMPLES, page_limits

    assert page_limits(2_600, 2_600) == (MAX_EMBEDDED_SAMPLES, FAILURES_PER_KIND)  # one completion a line: as before
    assert page_limits(1_000, 20_000) == (1_000, 125)  # 20 a line: every line of a 1 000-line run still fits
    limit, per_kind = page_limits(1_000, 1_000_000)  # 1 000 problems x 1 000 completions
    assert limit * 1_000 <= MAX_EMBEDDED_COMPLETIONS and limit == 20 and per_kind == 2
    assert page_limits(1, 10**6) == (1, 1)  # never fewer than one line
    lines = numbered(1_000)
    shown, selection = select_for_page(lines, kind, limit=limit, per_kind=per_kind)
    assert selection is not None and len(shown) == 20 and selection["per_kind"] == 2
