"""LR2Bench scoring on the project's own fixtures: partial answers against values computed by hand,
the extraction rules, and the level / task / overall aggregation, in both readings (the default
`scoring=upstream` = the authors' scripts; `scoring=strict`). The expectations that changed when the
default became upstream's are the departures the issue lists: case-insensitive tags, CR for any
extracted text, logic spaces kept, sudoku / drop cells compared raw."""

from __future__ import annotations

import pytest

from harness.core.registry import get_task
from harness.core.types import ScoredSample
from harness.report.metrics import wilson_interval
from tasks.lr2bench.aggregate import aggregate_lr2bench

FIXTURE_LEVELS = "5_5,easy,4_4,4_4_easy"  # the levels tests/fixtures/lr2bench/data has


@pytest.fixture
def lr2(fixtures_dir):
    task = get_task("lr2bench", {"level": FIXTURE_LEVELS})
    samples = {s["id"]: s for s in task.family.load(str(fixtures_dir / "lr2bench" / "data"), task.config)}
    return task, samples


@pytest.fixture
def strict(fixtures_dir):
    task = get_task("lr2bench", {"level": FIXTURE_LEVELS, "scoring": "strict"})
    samples = {s["id"]: s for s in task.family.load(str(fixtures_dir / "lr2bench" / "data"), task.config)}
    return task, samples


def score(task, sample, text):
    return task.family.score(task.config, sample, text)


# Hand-computed partial answers: (sample id, response, correct upstream, correct strict, all subtasks).
PARTIAL = [
    # crossword: cat (case), A R E (spaces), are: right; BUD, missing 3-Down: wrong -> 4 of 6
    (
        "crossword/5_5/FX001",
        "Thinking...\n<Answer>\n{'1-Across': 'cat', '4-Across': 'A R E', '5-Across': 'BUD',"
        " '1-Down': 'CAB', '2-Down': 'are'}\n</Answer>",
        4,
        4,
        6,
    ),
    # crossword: the last <Answer> block counts, not the earlier complete one -> 1 of 4
    (
        "crossword/5_5/FX002",
        '<Answer>{"1-ACROSS": "AT", "3-ACROSS": "NO", "1-DOWN": "AN", "2-DOWN": "TO"}</Answer>\n'
        'On second thought:\n<Answer>{"1-ACROSS": "AT"}</Answer>',
        1,
        1,
        4,
    ),
    # logic: rows matched by their first key/value whatever their order; keys and values compared
    # case-insensitively -> 2004: bram, dog (2); 2001: all (3); 2002: cat (1); 2003: parrot (1, strict
    # only: upstream keeps the space in "2003 ", so that row matches no gold row)
    (
        "logic/4_4/FXL01",
        '<Answer>\n[{"Years": "2004", "Names": "bram", "Pets": "dog", "Drinks": "water"},'
        ' {"years": "2001", "names": "Esme", "pets": "ferret", "drinks": "tea"},'
        ' {"years": "2002", "names": "Otto", "pets": "cat"},'
        ' {"years": "2003 ", "names": "Ada", "pets": "parrot", "drinks": "cocoa"}]\n</Answer>',
        6,
        7,
        12,
    ),
    # sudoku: only the 10 cells empty in the puzzle count (the wrong given 9 is ignored) -> 8 of 10
    ("sudoku/4_4_easy/FXS01", "<Answer>\n[[9, 2, 3, 4],\n [3, 4, 1, 2],\n [2, 1, 4, 3],\n [4, 2, 3, 1]]\n</Answer>", 8, 8, 10),
    # drop: every non-# cell counts, punctuation too -> strict (letters case-insensitive) 11 of 12;
    # upstream compares cells raw, so g, o, o, n are wrong too -> 7 of 12
    (
        "drop/easy/0",
        "<Answer>[['g', 'o', '#', 'o', 'n', ','], ['B', 'E', '#', 'B', 'O', 'L'], ['D', '!', '#', '#', '#', '#']]</Answer>",
        7,
        11,
        12,
    ),
    # cryptogram: read from <Mapping>, not <Answer>; keys lower-cased -> b, X, R right of 7
    (
        "cryptogram/easy/FXC01",
        "<Mapping>{'b': 'w', 'X': 'E', 'K': 'N', 'R': 'T'}</Mapping>\n<Answer>{'W': 'ignored'}</Answer>",
        3,
        3,
        7,
    ),
    # acrostic: integer keys as eval would give them still match the gold's string keys -> 5 of 5
    ("acrostic/easy/FXA01", "<Answer>{1: 'G', 2: 'O', 3: 'N', 4: 'O', 5: 'W'}</Answer>", 5, 5, 5),
]


@pytest.mark.parametrize("reading", ["upstream", "strict"])
@pytest.mark.parametrize(("sample_id", "response", "correct_upstream", "correct_strict", "total"), PARTIAL)
def test_partial_answers_score_as_computed_by_hand(request, reading, sample_id, response, correct_upstream,
                                                   correct_strict, total):
    task, samples = request.getfixturevalue("lr2" if reading == "upstream" else "strict")
    correct = correct_upstream if reading == "upstream" else correct_strict
    verdict = score(task, samples[sample_id], response)
    assert verdict.answer is not None
    assert verdict.scores.items() >= {
        "completion_ratio": 1.0,
        "subtask_accuracy": pytest.approx(correct / total),
        "exact_match": float(correct == total),
        "partial_match_0.5": float(correct / total >= 0.5),
    }.items()


def test_exactly_half_right_is_a_partial_match(lr2):
    task, samples = lr2
    verdict = score(task, samples["crossword/5_5/FX002"], '<Answer>{"1-Across": "at", "3-Across": "no"}</Answer>')
    assert verdict.scores["subtask_accuracy"] == 0.5
    assert verdict.scores["partial_match_0.5"] == 1.0


ZERO = {"completion_ratio": 0.0, "subtask_accuracy": 0.0, "exact_match": 0.0, "partial_match_0.5": 0.0}


@pytest.mark.parametrize("reading", ["upstream", "strict"])
@pytest.mark.parametrize(
    "response",
    [
        "",
        "I could not solve it.",
        "{'1-ACROSS': 'AT'}",  # no <Answer> block
        "<Answer>{'1-ACROSS': 'AT'}",  # unclosed block
        "<Answer>AT, NO, AN, TO</Answer>",  # no {..} inside
        "<Answer>{}</Answer>",  # empty: upstream's default text
    ],
)
def test_empty_answers_score_zero_with_cr_zero(request, reading, response):
    task, samples = request.getfixturevalue("lr2" if reading == "upstream" else "strict")
    verdict = score(task, samples["crossword/5_5/FX002"], response)
    assert verdict.answer is None
    assert verdict.scores.items() >= ZERO.items()


@pytest.mark.parametrize(
    ("response", "upstream_s_acc"),
    [
        ("<answer>{'1-ACROSS': 'AT'}</answer>", 0.25),  # upstream's tags are case-insensitive
        ("<Answer>{'1-ACROSS': true}</Answer>", 0.0),  # JSON true: eval fails, but text was found
        ("<Answer>{'AT', 'NO'}</Answer>", 0.0),  # a set, not a dict
        ("<Answer>{ }</Answer>", 0.0),  # differs from the default text "{}"
    ],
)
def test_answers_only_the_strict_reading_calls_empty(lr2, strict, response, upstream_s_acc):
    task, samples = strict
    assert score(task, samples["crossword/5_5/FX002"], response).scores.items() >= ZERO.items()
    task, samples = lr2
    scores = score(task, samples["crossword/5_5/FX002"], response).scores
    assert scores["completion_ratio"] == 1.0 and scores["subtask_accuracy"] == upstream_s_acc


def test_the_last_bracket_match_inside_the_block_counts(lr2):
    task, samples = lr2
    text = "<Answer>draft {'1-ACROSS': 'XX'} final {'1-ACROSS': 'AT', '3-ACROSS': 'NO', '1-DOWN': 'AN', '2-DOWN': 'TO'}</Answer>"
    assert score(task, samples["crossword/5_5/FX002"], text).scores["exact_match"] == 1.0


def test_grid_brackets_and_cell_types(lr2, strict):
    loose = "<Answer>[ [1, 2, 3, 4], [3, 4, 1, 2], [2, 1, 4, 3], [4, 3, 2, 1] ]</Answer>"
    as_strings = "<Answer>[['1', '2', '3', '4'], ['3', '4', '1', '2'], ['2', '1', '4', '3'], ['4', '3', '2', '1']]</Answer>"
    short = "<Answer>[[1, 2, 3, 4], [3, 4, 1, 2]]</Answer>"
    task, samples = strict  # needs "[[" and "]]"; cells compared as lower-cased strings
    assert score(task, samples["sudoku/4_4_easy/FXS01"], loose).answer is None
    assert score(task, samples["sudoku/4_4_easy/FXS01"], as_strings).scores["exact_match"] == 1.0
    assert score(task, samples["sudoku/4_4_easy/FXS01"], short).scores["subtask_accuracy"] == pytest.approx(5 / 10)
    task, samples = lr2  # upstream's regex allows blanks between the brackets; cells compared raw
    assert score(task, samples["sudoku/4_4_easy/FXS01"], loose).scores["exact_match"] == 1.0
    assert score(task, samples["sudoku/4_4_easy/FXS01"], as_strings).scores.items() >= {**ZERO, "completion_ratio": 1.0}.items()
    assert score(task, samples["sudoku/4_4_easy/FXS01"], short).scores["subtask_accuracy"] == pytest.approx(5 / 10)


def test_untagged_answers_count_when_the_tag_is_not_required(fixtures_dir):
    task = get_task("lr2bench-crossword", {"level": "5_5", "require_answer_tag": "false"})
    sample = next(s for s in task.family.load(str(fixtures_dir / "lr2bench" / "data"), task.config) if s["tag"] == "FX002")
    text = "Final: {'1-ACROSS': 'AT', '3-ACROSS': 'NO', '1-DOWN': 'AN', '2-DOWN': 'TO'}"
    assert task.family.score(task.config, sample, text).scores["exact_match"] == 1.0


def scored(task, sample, text) -> ScoredSample:
    verdict = score(task, sample, text)
    return ScoredSample(sample=sample, verdicts=[verdict], scores=dict(verdict.scores))


def test_level_task_and_overall_rows_average_as_the_paper(lr2):
    task, samples = lr2
    records = [scored(task, samples[sample_id], response) for sample_id, response, _, _, _ in PARTIAL]
    rows = aggregate_lr2bench(task.config, records)
    level = rows["level=crossword/5_5"]
    assert level["subtask_accuracy"].value == pytest.approx(5 / 10)  # pooled (4 + 1) / (6 + 4), not 0.458
    assert level["partial_match_0.5"].value == pytest.approx(0.5)
    assert level["exact_match"].value == 0.0
    assert level["completion_ratio"].value == 1.0
    assert rows["task=crossword"]["subtask_accuracy"].value == pytest.approx(0.5)
    assert rows["task=logic"]["subtask_accuracy"].value == pytest.approx(6 / 12)
    overall = rows[""]
    task_s_acc = [0.5, 1.0, 6 / 12, 3 / 7, 0.8, 7 / 12]
    assert overall["subtask_accuracy"].value == pytest.approx(sum(task_s_acc) / 6)
    assert overall["exact_match"].value == pytest.approx(1 / 6)  # acrostic only
    assert overall["partial_match_0.5"].value == pytest.approx((0.5 + 1 + 1 + 0 + 1 + 1) / 6)
    assert overall["completion_ratio"].value == 1.0
    for row in rows.values():
        for metric in row.values():
            assert metric.ci_low is None or metric.ci_low <= metric.value + 1e-9 <= metric.ci_high + 2e-9
    assert set(rows) == {"", *(f"task={t}" for t in ("crossword", "acrostic", "logic", "cryptogram", "sudoku", "drop")),
                         "level=crossword/5_5", "level=acrostic/easy", "level=logic/4_4", "level=cryptogram/easy",
                         "level=sudoku/4_4_easy", "level=drop/easy"}


def test_failed_records_count_as_empty_answers(lr2):
    task, samples = lr2
    good = scored(task, samples["crossword/5_5/FX001"], PARTIAL[0][1])
    failed = ScoredSample(sample=samples["crossword/5_5/FX002"], verdicts=[], scores={}, error="backend timeout")
    row = aggregate_lr2bench(task.config, [good, failed])[""]
    assert row["completion_ratio"].value == 0.5
    assert row["subtask_accuracy"].value == pytest.approx(4 / 10)


def test_rows_get_a_bootstrap_within_levels_inside_zero_one():
    cfg = get_task("lr2bench-sudoku").config
    gold = {"grid": [[0, 1], [1, 0]], "answer": [[2, 1], [1, 2]]}
    records = []
    for level, outcomes in (("4_4_easy", [1, 0, 0, 1]), ("4_4_hard", [1, 1, 1, 0])):
        for i, em in enumerate(outcomes):
            sample = {"id": f"sudoku/{level}/{i}", "task": "sudoku", "level": level, "gold": gold}
            scores = {"completion_ratio": 1.0, "subtask_accuracy": float(em), "exact_match": float(em), "partial_match_0.5": float(em)}
            records.append(ScoredSample(sample=sample, verdicts=[], scores=scores))
    em = aggregate_lr2bench(cfg, records)[""]["exact_match"]
    assert em.value == pytest.approx((0.5 + 0.75) / 2)
    assert em.ci_method == "stratified-bootstrap" and 0.0 <= em.ci_low <= em.value <= em.ci_high <= 1.0
    assert em.n == 8
    assert aggregate_lr2bench(cfg, records)[""]["exact_match"] == em  # seeded: the same interval again
    perfect = [ScoredSample(sample=r.sample, verdicts=[], scores={k: 1.0 for k in r.scores}) for r in records]
    for metric in aggregate_lr2bench(cfg, perfect)[""].values():  # all right: exact 1, never above it
        assert metric.ci_method == "wilson" and metric.ci_high == 1.0 and (metric.ci_low, 1.0) == pytest.approx(wilson_interval(8, 8))
