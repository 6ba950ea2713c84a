"""Fresh CounterBench items: random acyclic binary causal models over nonsense names.

Each item is deterministic per (seed, index). The index fixes the item's design, so the first N
items are balanced: gold answers alternate yes/no, and within each block of 2 x len(query_types)
indices every query type appears once with "yes" and once with "no"; the block's number of
variables cycles through min_variables..max_variables block by block.

A model mimics the original's shape: variables v0..v(n-1) in causal order, v0 the root that
every question intervenes on and v(n-1) the asked-about sink, mostly chained (each variable
tends to depend on the one before it) with the original's rule forms mixed in: negated causes
and effects, AND of two or three causes, OR of two, one cause with several effects, and extra
exogenous roots. Candidate models are drawn until one gives the index's wanted answer; the
gold label comes from `scm.counterfactual_outcome`, never from the drawing.
"""

from __future__ import annotations

import random

from harness.core.types import Sample
from tasks.counterbench.config import CounterBenchConfig
from tasks.counterbench.names import draw_names
from tasks.counterbench.rule_text import render_given_info, render_question
from tasks.counterbench.scm import (
    CausalModel,
    Literal,
    Mechanism,
    counterfactual_outcome,
    explaining_root_values,
)

MAX_DRAWS = 2_000

# How often each rule form is drawn for a non-root variable (the original is mostly single causes).
RULE_FORMS = (("single", 0.55), ("fan_out", 0.15), ("and", 0.18), ("or", 0.12))
P_NEGATED_CAUSE = 0.12
P_NEGATED_EFFECT = 0.2
P_THREE_CAUSES = 0.15  # AND rules only: the original has no three-way OR
P_EXTRA_ROOT = 0.12  # chance that an intermediate variable is exogenous
P_CHAIN_PARENT = 0.85  # chance that v(i-1) is among v(i)'s causes


def item_design(cfg: CounterBenchConfig, index: int) -> tuple[str, bool, int]:
    """(query type, wanted gold answer, number of variables) for an index (see module doc).
    Answers alternate yes/no, types change every two indices, sizes every block."""
    types = cfg.query_types
    block_size = 2 * len(types)
    wanted = index % 2 == 0
    query_type = types[(index // 2) % len(types)]
    sizes = range(cfg.min_variables, cfg.max_variables + 1)
    n_variables = sizes[(index // block_size) % len(sizes)]
    return query_type, wanted, n_variables


def generate_counterbench(cfg: CounterBenchConfig, seed: int, index: int) -> Sample:
    """One fresh item whose gold answer is the exact counterfactual outcome."""
    query_type, wanted, n_variables = item_design(cfg, index)
    rng = random.Random(f"counterbench/{seed}/{index}")
    for _ in range(MAX_DRAWS):
        model = draw_model(rng, n_variables)
        item = draw_query(rng, model, query_type)
        if item is not None and item[3] == wanted:
            interventions, observations, target, answer = item
            return _sample(seed, index, query_type, model, interventions, observations, target, answer)
    raise RuntimeError(
        f"no {query_type} item with answer {'yes' if wanted else 'no'} over {n_variables} variables"
        f" in {MAX_DRAWS} draws (seed {seed}, index {index})"
    )


def draw_model(rng: random.Random, n_variables: int) -> CausalModel:
    """A random acyclic model over fresh names in which v0 can influence the last variable and
    every variable appears in some rule."""
    while True:
        names = draw_names(rng, n_variables)
        extra_roots = {i for i in range(1, n_variables - 1) if rng.random() < P_EXTRA_ROOT}
        mechanisms: list[Mechanism] = []
        for i in range(1, n_variables):
            if i in extra_roots:
                continue
            mechanisms.append(_draw_mechanism(rng, names, i, mechanisms))
        model = CausalModel(tuple(names), tuple(mechanisms))
        if _well_formed(model):
            return model


def _draw_mechanism(rng: random.Random, names: list[str], i: int, previous: list[Mechanism]) -> Mechanism:
    form = rng.choices([f for f, _ in RULE_FORMS], weights=[w for _, w in RULE_FORMS])[0]
    last = previous[-1] if previous else None
    negated_effect = rng.random() < P_NEGATED_EFFECT
    if form == "fan_out" and last is not None and len(last.causes) == 1 and last.effect == names[i - 1]:
        # "X causes Y and Z": the previous variable's single cause also causes this one
        return Mechanism(names[i], last.causes, "and", negated_effect)
    if form in ("single", "fan_out") or i < 2:
        parent = i - 1 if rng.random() < P_CHAIN_PARENT else rng.randrange(i)
        return Mechanism(names[i], (_literal(rng, names[parent]),), "and", negated_effect)
    n_causes = 3 if form == "and" and i >= 3 and rng.random() < P_THREE_CAUSES else 2  # as the original
    others = rng.sample(range(i - 1), n_causes - 1)
    parents = [i - 1, *others] if rng.random() < P_CHAIN_PARENT else rng.sample(range(i), n_causes)
    causes = tuple(_literal(rng, names[p]) for p in sorted(parents, reverse=True))
    return Mechanism(names[i], causes, form, negated_effect)


def _literal(rng: random.Random, name: str) -> Literal:
    return Literal(name, negated=rng.random() < P_NEGATED_CAUSE)


def _well_formed(model: CausalModel) -> bool:
    """v0 reaches the last variable, every variable is in some rule, and OR rules never join
    the same variable twice."""
    first, target = model.variables[0], model.variables[-1]
    mentioned = {m.effect for m in model.mechanisms} | {c.variable for m in model.mechanisms for c in m.causes}
    if mentioned != set(model.variables):
        return False
    if any(len({c.variable for c in m.causes}) != len(m.causes) for m in model.mechanisms):
        return False
    return target in descendants(model, first)


def descendants(model: CausalModel, variable: str) -> set[str]:
    children: dict[str, set[str]] = {}
    for mechanism in model.mechanisms:
        for cause in mechanism.causes:
            children.setdefault(cause.variable, set()).add(mechanism.effect)
    found: set[str] = set()
    frontier = [variable]
    while frontier:
        for child in children.get(frontier.pop(), ()):
            if child not in found:
                found.add(child)
                frontier.append(child)
    return found


def draw_query(
    rng: random.Random, model: CausalModel, query_type: str
) -> tuple[dict[str, bool], dict[str, bool], str, bool] | None:
    """(interventions, observations, target, exact answer) for a query of the given type, or None
    if this model has no well-defined query of that type."""
    first, target = model.variables[0], model.variables[-1]
    middle = list(model.variables[1:-1])
    interventions = {first: False}
    observations: dict[str, bool] = {}
    if query_type in ("joint", "nested"):
        interventions[rng.choice(middle)] = False
    elif query_type == "conditional":
        observation = _informative_observation(rng, model, middle, interventions, target)
        if observation is None:
            return None
        observations = observation
    answer = counterfactual_outcome(model, target, interventions, observations)
    if answer is None:
        return None
    return interventions, observations, target, answer


def _informative_observation(
    rng: random.Random, model: CausalModel, middle: list[str], interventions: dict[str, bool], target: str
) -> dict[str, bool] | None:
    """An observation ("We observed [not] V") that is possible, informative and leaves the answer
    determined; None if the model has none. Informative: every world that explains it has some
    root false that the question does not intervene on. (An observation the all-true default
    world already shows, or one blamed on the intervened root alone, could not matter.)"""
    candidates = [{variable: value} for variable in middle for value in (True, False)]
    rng.shuffle(candidates)
    for observation in candidates:
        explanations = explaining_root_values(model, observation)
        informative = bool(explanations) and all(
            any(not value for root, value in roots.items() if root not in interventions) for roots in explanations
        )
        if informative and counterfactual_outcome(model, target, interventions, observation) is not None:
            return observation
    return None


def _sample(
    seed: int,
    index: int,
    query_type: str,
    model: CausalModel,
    interventions: dict[str, bool],
    observations: dict[str, bool],
    target: str,
    answer: bool,
) -> Sample:
    n_variables = len(model.variables)
    return {
        "id": f"counterbench/{seed}/{index}",
        "question": render_question(query_type, target, list(interventions)),
        "given_info": render_given_info(model, observations),
        "answer": "yes" if answer else "no",
        "type": query_type,
        "num_variables": n_variables,
        "graph_id": f"graph{n_variables}",
        "story_id": "generated",
        "scm": {
            "model": model.to_json(),
            "interventions": {name: value for name, value in interventions.items()},
            "observations": observations,
            "target": target,
        },
    }
