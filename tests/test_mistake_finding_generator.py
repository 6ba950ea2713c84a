"""Generated mistake-finding traces: deterministic, exact gold by construction (the first step that
differs from the correct trace is the mistake, the correct trace's answer is right), one mistake
whose later steps follow from it, and traces without mistakes in the configured share."""

from __future__ import annotations

import dataclasses
import json
import random
import re

import pytest

import harness
from harness.parsing.safe_expr import evaluate_expression
from tasks.mistake_finding import trace_arithmetic, trace_dyck, trace_word_sorting
from tasks.mistake_finding.config import MistakeFindingConfig
from tasks.mistake_finding.generator import generate_mistake_trace
from tasks.mistake_finding.our_prompts import examples
from tasks.mistake_finding.traces import answers_match, trace_answer

CFG = MistakeFindingConfig(source="generated", arithmetic_depth=2, max_words=15, max_brackets=30)


def correct_steps(sample) -> list[str]:
    if sample["source_task"] == "multistep_arithmetic":
        raise AssertionError("arithmetic problems are rebuilt by the caller")
    if sample["source_task"] == "word_sorting":
        return trace_word_sorting.trace(sample["input"].split())[0]
    return trace_dyck.trace(sample["input"].split())[0]


def first_difference(a: list[str], b: list[str]) -> int | None:
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), None if len(a) == len(b) else min(len(a), len(b)))


def test_same_seed_same_traces_byte_for_byte_and_seeds_differ():
    task = harness.get_task("mistake-finding-generated")
    one = json.dumps(harness.load_samples(task, seed=3, limit=12), sort_keys=True)
    assert one == json.dumps(harness.load_samples(task, seed=3, limit=12), sort_keys=True)
    assert one != json.dumps(harness.load_samples(task, seed=4, limit=12), sort_keys=True)
    assert [s["source_task"] for s in harness.load_samples(task, limit=3)] == ["word_sorting", "multistep_arithmetic", "dyck_languages"]


@pytest.mark.parametrize("depth", [1, 2])
def test_arithmetic_gold_and_a_single_wrong_result_that_later_steps_follow(depth):
    rng = random.Random(depth)
    for _ in range(150):
        problem = trace_arithmetic.make_problem(rng, depth, 2, 5)
        steps, answer = trace_arithmetic.trace(problem)
        assert answer == evaluate_expression(problem.text[:-1]) and steps[-1].endswith(f"So the answer is {answer}")
        fault = trace_arithmetic.random_fault(problem, rng)
        wrong, wrong_answer = trace_arithmetic.trace(problem, fault)
        assert first_difference(steps, wrong) == fault.step
        # every '=' of every calculation step holds, given the numbers the trace itself wrote,
        # except the single faulty one: the mistake is one wrong result, the rest follows from it
        broken = [(i, j) for i, step in enumerate(wrong[1:], start=1) for j, (a, b) in enumerate(_equalities(step))
                  if evaluate_expression(a) != evaluate_expression(b)]
        if broken != [(fault.step, fault.operation)]:  # else the wrong result was multiplied by a 0 in the same expression
            assert broken == [] and re.search(r"(?<![\d-])0(?!\d)", _equalities(wrong[fault.step])[fault.operation][0])
        assert trace_answer(wrong) == str(wrong_answer)


def _equalities(step: str):
    """(left, right) of each '=' transition of a calculation step, with letters left out."""
    chain = step.split(". So the answer")[0].rstrip(".")
    parts = [p.strip() for p in chain.split(" = ")][1:]
    parts = [p for p in parts if not any(letter in p for letter in "ABCDEFGH")]
    return list(zip(parts, parts[1:]))


def test_word_sorting_gold_and_a_misplaced_word_carried_to_the_answer():
    rng = random.Random(7)
    for _ in range(150):
        words = trace_word_sorting.pick_words(rng, rng.randint(2, 20))
        assert not any(a != b and a.startswith(b) for a in words for b in words) and len(set(words)) == len(words)
        steps, answer = trace_word_sorting.trace(words)
        assert answer == " ".join(sorted(words))
        fault = trace_word_sorting.random_fault(words, rng)
        wrong, wrong_answer = trace_word_sorting.trace(words, fault)
        assert first_difference(steps, wrong) == fault.step
        assert sorted(wrong_answer.split()) == sorted(words) and wrong_answer != answer  # one word out of place
        last_order = [s for s in wrong if s.startswith("We now have: ")][-1].split("Hence, we have ")[-1]
        if fault.step < len(steps) - 1:  # the answer repeats the (misplaced) order the trace reached
            assert re.findall(r'"([a-z]+)"', last_order) == wrong_answer.split()


def test_dyck_gold_closes_the_prefix_and_a_wrong_stack_is_followed_to_the_answer():
    rng = random.Random(11)
    for _ in range(200):
        symbols = trace_dyck.make_prefix(rng, rng.randint(1, 40))
        steps, answer = trace_dyck.trace(symbols)
        assert _balanced(symbols + answer.split()) and answer
        fault = trace_dyck.random_fault(symbols, rng)
        wrong, wrong_answer = trace_dyck.trace(symbols, fault)
        assert first_difference(steps, wrong) == fault.step
        # after the faulty step each stack step follows the rule from the stack before it
        stacks = [s.split("stack: ")[1] for s in wrong[2 : 2 + len(symbols)]]
        for k in range(max(fault.step - 2 + 1, 1), len(symbols)):
            before = [] if stacks[k - 1] == "empty" else stacks[k - 1].split()
            after = before[:-1] if before and trace_dyck.OPEN_TO_CLOSE.get(before[-1]) == symbols[k] else before + [symbols[k]]
            assert (" ".join(after) or "empty") == stacks[k]


def _balanced(symbols: list[str]) -> bool:
    stack: list[str] = []
    for s in symbols:
        if s in trace_dyck.OPEN_TO_CLOSE:
            stack.append(s)
        elif not stack or trace_dyck.OPEN_TO_CLOSE[stack.pop()] != s:
            return False
    return not stack


def test_generated_samples_have_exact_gold_and_the_configured_share_of_mistakes():
    samples = [generate_mistake_trace(CFG, 0, i) for i in range(240)]
    with_mistake = [s for s in samples if s["mistake_index"] is not None]
    assert 0.68 <= len(with_mistake) / len(samples) <= 0.88  # mistake_share 0.78
    for sample in samples:
        assert sample["answer"] == trace_answer(sample["steps"])
        if sample["source_task"] == "multistep_arithmetic":
            assert sample["target"] == str(evaluate_expression(sample["input"][:-1]))
            continue
        assert first_difference(correct_steps(sample), sample["steps"]) == sample["mistake_index"]
        assert answers_match(sample["answer"], sample["target"]) == (sample["mistake_index"] is None)
    none = [generate_mistake_trace(dataclasses.replace(CFG, mistake_share=0.0), 0, i) for i in range(9)]
    assert all(s["mistake_index"] is None and s["fault"] is None for s in none)
    every = [generate_mistake_trace(dataclasses.replace(CFG, mistake_share=1.0), 0, i) for i in range(9)]
    assert all(s["mistake_index"] is not None for s in every)


def test_our_few_shot_traces_come_from_the_generators_with_their_mistake_where_it_is_said_to_be():
    for task in ("multistep_arithmetic", "word_sorting", "dyck_languages", "tracking_shuffled_objects", "logical_deduction"):
        for example in examples(task):
            assert first_difference(list(example.correct_steps), list(example.steps)) == example.mistake_index, task
            assert example.asked <= (example.mistake_index if example.mistake_index is not None else len(example.steps) - 1)
            assert example.check.endswith("Yes" if example.mistake_index is None or example.asked < example.mistake_index else "No")
    sorting = examples("word_sorting")[1]
    assert list(sorting.correct_steps) == trace_word_sorting.trace(sorting.input.split())[0]
