"""Generated CounterBench items: deterministic, balanced, exact, in the original's rule forms."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from harness.core.registry import make_config
from tasks.counterbench import FAMILY
from tasks.counterbench.config import CounterBenchConfig
from tasks.counterbench.generator import generate_counterbench, item_design
from tasks.counterbench.names import real_words
from tasks.counterbench.rule_text import parse_given_info, parse_question
from tasks.counterbench.scm import CausalModel, counterfactual_outcome, explaining_root_values

CFG = CounterBenchConfig()
N_ITEMS = 160  # four blocks of 8 per size, 5 sizes


@pytest.fixture(scope="module")
def items():
    return [generate_counterbench(CFG, 7, i) for i in range(N_ITEMS)]


def test_same_seed_gives_byte_identical_items_and_prompts():
    first = [generate_counterbench(CFG, 11, i) for i in range(24)]
    again = [generate_counterbench(CFG, 11, i) for i in reversed(range(24))][::-1]
    assert json.dumps(first, sort_keys=True) == json.dumps(again, sort_keys=True)
    requests = [FAMILY.build_request(CFG, s).to_json() for s in first]
    assert requests == [FAMILY.build_request(CFG, s).to_json() for s in again]


def test_other_seeds_and_indices_give_other_items():
    a = generate_counterbench(CFG, 1, 0)
    assert a["given_info"] != generate_counterbench(CFG, 2, 0)["given_info"]
    assert a["given_info"] != generate_counterbench(CFG, 1, 8)["given_info"]
    assert a["id"] == "counterbench/1/0"


def test_answers_balanced_per_type_and_sizes_cycle(items):
    counts = Counter((s["type"], s["answer"]) for s in items)
    assert set(counts.values()) == {N_ITEMS // 8}
    assert Counter(s["num_variables"] for s in items) == {n: N_ITEMS // 5 for n in range(5, 10)}
    # every block of 8 consecutive items is balanced on its own
    for start in range(0, N_ITEMS, 8):
        block = items[start : start + 8]
        assert len({s["num_variables"] for s in block}) == 1
        assert Counter((s["type"], s["answer"]) for s in block) == {
            (t, a): 1 for t in ("basic", "conditional", "joint", "nested") for a in ("yes", "no")
        }


def test_gold_is_the_exact_counterfactual_of_the_text(items):
    for sample in items:
        model, observations = parse_given_info(sample["given_info"])
        query = parse_question(sample["question"], sample["type"])
        answer = counterfactual_outcome(model, query.target, query.as_interventions(), observations)
        assert ("yes" if answer else "no") == sample["answer"]
        stored = CausalModel.from_json(sample["scm"]["model"])
        assert set(stored.mechanisms) == set(model.mechanisms)
        assert len(model.variables) == sample["num_variables"]
        assert query.target == sample["scm"]["target"]


def test_question_types_have_their_shape(items):
    for sample in items:
        has_observation = "We observed" in sample["given_info"]
        assert has_observation == (sample["type"] == "conditional")
        assert len(sample["scm"]["interventions"]) == (2 if sample["type"] in ("joint", "nested") else 1)


def test_conditional_observations_are_informative_and_sometimes_decide_the_answer(items):
    """Every world explaining an observation has a root false that is not intervened on (so the
    observation is news the default world does not show), and for some items, not all, the
    observation flips the answer relative to ignoring it."""
    conditional = [s for s in items if s["type"] == "conditional"]
    flipped = 0
    for sample in conditional:
        model = CausalModel.from_json(sample["scm"]["model"])
        interventions = {k: bool(v) for k, v in sample["scm"]["interventions"].items()}
        explanations = explaining_root_values(model, sample["scm"]["observations"])
        assert explanations
        assert all(any(not v for r, v in roots.items() if r not in interventions) for roots in explanations)
        ignoring = counterfactual_outcome(model, sample["scm"]["target"], interventions)
        flipped += ("yes" if ignoring else "no") != sample["answer"]
    assert 0 < flipped < len(conditional)


def test_all_rule_forms_of_the_original_appear(items):
    text = " ".join(s["given_info"] for s in items)
    name = r"[A-Z][a-z]+"
    patterns = {
        "causes": rf"{name} causes {name}",
        "causes not": rf"{name} causes not {name}",
        "negated cause": rf"not {name} causes",
        "and together": rf"{name} and (?:not )?{name} together cause",
        "three causes": rf"{name} and (?:not )?{name} and (?:not )?{name} together cause",
        "or": rf"{name} or (?:not )?{name} causes",
        "one cause, several effects": rf"{name} causes (?:not )?{name} and (?:not )?{name}",
        "negated observation": r"We observed not",
    }
    missing = [form for form, pattern in patterns.items() if not re.search(pattern, text)]
    assert missing == []


def test_names_are_nonsense_and_distinct(items):
    blocked = real_words()
    for sample in items:
        names = sample["scm"]["model"]["variables"]
        assert len(set(names)) == len(names)
        for name in names:
            assert name.lower() not in blocked and re.fullmatch(r"[A-Z][a-z]{3,}", name)


def test_difficulty_beyond_the_original_and_type_subsets():
    cfg = make_config(FAMILY, {"min_variables": "12", "max_variables": "15", "query_types": "joint,nested"})
    samples = [generate_counterbench(cfg, 0, i) for i in range(16)]
    assert {s["num_variables"] for s in samples} == {12, 13, 14, 15}
    assert {s["type"] for s in samples} == {"joint", "nested"}
    assert Counter(s["answer"] for s in samples) == {"yes": 8, "no": 8}


def test_item_design_is_a_pure_function_of_the_index():
    assert item_design(CFG, 0) == ("basic", True, 5)
    assert item_design(CFG, 1) == ("basic", False, 5)
    assert item_design(CFG, 5) == ("joint", False, 5)
    assert item_design(CFG, 8) == ("basic", True, 6)
    assert item_design(CFG, 40) == ("basic", True, 5)


def test_any_even_prefix_is_balanced_yes_no(items):
    for n in (2, 4, 6, 10):
        assert Counter(s["answer"] for s in items[:n]) == {"yes": n // 2, "no": n // 2}
