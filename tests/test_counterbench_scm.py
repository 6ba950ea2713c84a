"""The exact evaluator on hand-built models: chains, forks, colliders, AND/OR/NOT, interventions,
cycles and abduction."""

from __future__ import annotations

import pytest

from tasks.counterbench.scm import (
    CausalModel,
    CyclicModelError,
    Literal,
    Mechanism,
    counterfactual_outcome,
    evaluation_order,
    explaining_root_values,
    solve,
)


def rule(effect, *causes, operator="and", negated=False):
    """rule("C", "A", "-B") is C := A and not B."""
    literals = tuple(Literal(c.lstrip("-"), c.startswith("-")) for c in causes)
    return Mechanism(effect, literals, operator, negated)


def model(variables, *mechanisms):
    return CausalModel(tuple(variables.split()), tuple(mechanisms))


CHAIN = model("A B C D", rule("B", "A"), rule("C", "B"), rule("D", "C"))


def test_chain_follows_the_root_and_its_intervention():
    assert solve(CHAIN, {}) == {"A": True, "B": True, "C": True, "D": True}
    assert solve(CHAIN, {}, {"A": False})["D"] is False
    assert solve(CHAIN, {"A": False}, {})["D"] is False
    # intervening in the middle cuts the chain there, upstream is untouched
    assert solve(CHAIN, {}, {"C": False}) == {"A": True, "B": True, "C": False, "D": False}


def test_negations_on_causes_and_effects():
    m = model("A B C", rule("B", "A", negated=True), rule("C", "-B"))  # B := not A; C := not B
    assert solve(m, {}) == {"A": True, "B": False, "C": True}
    assert solve(m, {}, {"A": False}) == {"A": False, "B": True, "C": False}


def test_fork_one_cause_several_effects():
    m = model("A B C D", rule("B", "A"), rule("C", "A", negated=True), rule("D", "B", "-C"))
    assert solve(m, {}) == {"A": True, "B": True, "C": False, "D": True}
    assert solve(m, {}, {"A": False})["D"] is False


@pytest.mark.parametrize(
    ("operator", "a", "b", "expected"),
    [("and", True, True, True), ("and", True, False, False), ("and", False, False, False),
     ("or", True, False, True), ("or", False, True, True), ("or", False, False, False)],
)
def test_collider_and_or(operator, a, b, expected):
    m = model("A B C", rule("C", "A", "B", operator=operator))
    assert solve(m, {"A": a, "B": b})["C"] is expected
    negated = model("A B C", rule("C", "A", "B", operator=operator, negated=True))
    assert solve(negated, {"A": a, "B": b})["C"] is (not expected)


def test_three_way_and_with_a_negated_cause():
    m = model("A B C D", rule("D", "A", "B", "-C"))
    assert solve(m, {"C": False})["D"] is True
    assert solve(m, {})["D"] is False


def test_roots_default_true_and_order_respects_causes():
    m = model("D C B A", rule("D", "C"), rule("C", "B", "A", operator="or"))
    assert m.roots == ("B", "A")
    order = evaluation_order(m)
    assert order.index("C") > order.index("B") and order.index("D") > order.index("C")
    assert solve(m, {})["D"] is True


def test_cycles_raise_unless_an_intervention_breaks_them():
    m = model("A B C", rule("B", "A", "C"), rule("C", "B"))
    with pytest.raises(CyclicModelError):
        solve(m, {})
    assert solve(m, {}, {"C": False})["B"] is False


def test_model_rejects_two_rules_for_one_variable_and_unknown_names():
    with pytest.raises(ValueError, match="more than one"):
        model("A B", rule("B", "A"), rule("B", "A", negated=True))
    with pytest.raises(ValueError, match="unknown"):
        model("A B", rule("B", "Z"))


def test_model_json_round_trip():
    m = model("A B C", rule("B", "A", negated=True), rule("C", "A", "-B", operator="or"))
    assert CausalModel.from_json(m.to_json()) == m


# --------------------------------------------------------------- abduction-action-prediction

COLLIDER = model("A B C D", rule("C", "A", "B", operator="or"), rule("D", "C"))


def test_observation_of_a_root_sets_it():
    assert counterfactual_outcome(COLLIDER, "D", {"A": False}) is True  # B stays true by default
    assert counterfactual_outcome(COLLIDER, "D", {"A": False}, {"B": False}) is False


def test_observation_of_an_effect_is_explained_by_its_roots():
    # C := A and B observed false: at least one root is false; under do(A=False) D is false anyway
    m = model("A B C D", rule("C", "A", "B"), rule("D", "B"))
    assert explaining_root_values(m, {"C": False}) == [
        {"A": True, "B": False}, {"A": False, "B": True}, {"A": False, "B": False},
    ]
    # the answer about D depends on which explanation holds: undetermined
    assert counterfactual_outcome(m, "D", {"A": False}, {"C": False}) is None
    # observing C under a chain forces the only root: the counterfactual follows from it
    assert counterfactual_outcome(CHAIN, "D", {"C": True}, {"B": False}) is True
    assert explaining_root_values(CHAIN, {"B": False}) == [{"A": False}]


def test_observation_can_change_the_answer():
    m = model("A B C D", rule("C", "A", "B", operator="or"), rule("D", "-C"))
    # C := A or B observed false means both roots false; do(A=True) makes C true, D false
    assert counterfactual_outcome(m, "D", {"A": True}, {"C": False}) is False
    assert counterfactual_outcome(m, "D", {"A": False}, {"C": False}) is True
    assert counterfactual_outcome(m, "D", {"A": False}) is False  # without it: B true


def test_impossible_observation_gives_no_answer():
    m = model("A B", rule("B", "A"))
    assert explaining_root_values(m, {"B": False, "A": True}) == []
    assert counterfactual_outcome(m, "B", {"A": False}, {"A": True, "B": False}) is None
