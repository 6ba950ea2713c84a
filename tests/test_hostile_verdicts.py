"""Every verdict has a total work budget (harness/parsing/work_budget.py): answers that chain many
operations which each fit the per-operation limits, single operations that are slow by themselves,
texts that are slow to parse, crafted hash collisions and values too big to print are refused before
the work is done, deterministically, and scored as unparseable. (How long the slowest verdicts take
is measured by bench/hostile_verdicts.py, never here.)"""

from __future__ import annotations

import pytest

from harness.core.registry import get_task
from harness.parsing.safe_expr import ExpressionError, evaluate_expression
from harness.parsing.safe_literal import LiteralError, parse_literal
from harness.parsing.work_budget import DEFAULT_WORK_BUDGET, WorkBudget, WorkBudgetExceeded, number_operation_cost
from harness.pipeline.samples import select_samples
from tasks.countdown.tinyzero import tinyzero_value

P61 = 2**61 - 1  # CPython hashes an int n to n mod P61: its multiples all hash to 0

OVER_BUDGET = {
    "30 powers of a million bits": "[" + " + ".join(["3**661000"] * 30) + "]",
    "one slow division": "0x" + "f" * 250_000 + " // 0x" + "f" * 125_000,
    "60 000 list items to parse": "[" + "1," * 60_000 + "]",
    "20 000 keys with one hash": "{" + ", ".join(str(k * P61) for k in range(1, 20_001)) + "}",
    "a value whose str() walks 10^8 items": "[[[[0] * 100] * 100] * 100] * 100",
    "printing 3 000 integers of 4 000 digits": "[10 ** 3999] * 3000",
    "a chain of big comparisons": " == ".join(["[0] * 900000"] * 40),
}


@pytest.mark.parametrize("name", OVER_BUDGET)
def test_work_over_the_budget_is_refused_before_it_is_done(name):
    with pytest.raises(ExpressionError, match="work budget|value too large|too costly"):
        evaluate_expression(OVER_BUDGET[name])


def test_what_fits_the_budget_keeps_evals_value():
    assert evaluate_expression("[3**400000 + 1]")[0] == 3**400000 + 1  # one large power is fine
    assert evaluate_expression("{" + ", ".join(str(k * P61) for k in range(1, 200)) + "}") == {k * P61 for k in range(1, 200)}
    assert evaluate_expression("[" + "1," * 20_000 + "]") == [1] * 20_000
    assert evaluate_expression("[[0] * 100] * 100") == [[0] * 100] * 100


def test_the_budget_is_counted_not_timed_and_shared_by_a_verdict():
    text = "[" + " + ".join(["3**300000"] * 3) + "]"
    used = []
    for _ in range(3):
        budget = WorkBudget(DEFAULT_WORK_BUDGET)
        evaluate_expression(text, budget=budget)
        used.append(budget.used)
    assert len(set(used)) == 1 and 0 < used[0] < DEFAULT_WORK_BUDGET  # the same price every time
    shared = WorkBudget(used[0] * 2 + used[0] // 2)
    evaluate_expression(text, budget=shared)
    evaluate_expression(text, budget=shared)
    with pytest.raises(ExpressionError, match="work budget"):
        evaluate_expression(text, budget=shared)  # the third one no longer fits
    with pytest.raises(WorkBudgetExceeded):
        WorkBudget(10).charge(11, "a step")


def test_prices_grow_with_the_work():
    small, large = 3**1000, 3**100_000
    assert number_operation_cost("*", small, small) < number_operation_cost("*", large, large)
    assert number_operation_cost("//", large, small) < number_operation_cost("//", large * large, large)
    assert number_operation_cost("**", 3, 10**12) > DEFAULT_WORK_BUDGET  # priced without computing it
    assert number_operation_cost("**", 2, 4_000_000) < DEFAULT_WORK_BUDGET // 4  # powers of two are cheap
    assert number_operation_cost("+", 1.5, 2.5) == 1


def test_the_strict_literal_reader_prices_parsing_too():
    with pytest.raises(LiteralError, match="too costly to parse"):
        parse_literal("[" + "1," * 60_000 + "]")
    assert parse_literal("[" + "1," * 1_000 + "]") == [1] * 1_000


def test_tinyzero_refuses_powers_over_the_budget():
    assert tinyzero_value("3 ** (99 * 98 * 97)") is None  # 1.5 million bits: over one verdict's budget
    assert tinyzero_value("2 ** (99 * 98 * 97) - 2 ** (99 * 98 * 97) + 5") == 5  # powers of two are cheap
    assert tinyzero_value("(97 * 98) ** 99 // (97 * 98) ** 98") == 97 * 98


def test_lr2bench_scores_an_answer_over_the_budget_as_unparseable():
    task = get_task("lr2bench-generated")
    sample = next(s for s in select_samples(task, seed=0, limit=12) if s["task"] == "sudoku")
    for text in OVER_BUDGET.values():
        verdict = task.family.score(task.config, sample, f"<Answer>[[{text}]]</Answer>")
        assert verdict.answer is None  # unparseable, as if eval had raised
        assert verdict.scores == {"completion_ratio": 1.0, "subtask_accuracy": 0.0, "exact_match": 0.0, "partial_match_0.5": 0.0}
    strict = get_task("lr2bench-generated", {"scoring": "strict"})
    verdict = strict.family.score(strict.config, sample, "<Answer>[[" + "1," * 60_000 + "]]</Answer>")
    assert verdict.answer is None and verdict.scores["completion_ratio"] == 0.0
