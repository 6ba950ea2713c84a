"""Binary structural causal models (SCMs) and exact counterfactual answers.

Every CounterBench rule is one structural equation over yes/no variables:

    "X causes Y"                    Y := X
    "X causes not Y"                Y := not X
    "not X causes Y"                Y := not X
    "A and B together cause C"      C := A and B        (any cause may be negated: "A and not B")
    "A or B causes C"               C := A or B
    "A and B together cause not C"  C := not (A and B)

Variables that no rule causes are exogenous roots; they are true unless an observation says
otherwise. A question is answered by abduction (which root values explain the observations in
the factual world), action (the interventions do(X=False) replace X's equation) and prediction
(evaluate the mutilated model). This module knows no wording and no prompts; it is the ground
truth for the generator and the yardstick for the original data.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MAX_ROOTS_FOR_ABDUCTION = 16  # 2**16 factual worlds at most; generated models have far fewer roots


class CyclicModelError(ValueError):
    """The rules (after the interventions) contain a cycle, so no unique world exists."""


@dataclass(frozen=True)
class Literal:
    """A variable, possibly negated ("not X")."""

    variable: str
    negated: bool = False

    def holds(self, world: Mapping[str, bool]) -> bool:
        return world[self.variable] != self.negated

    def to_json(self) -> dict:
        return {"variable": self.variable, "negated": self.negated}


@dataclass(frozen=True)
class Mechanism:
    """One structural equation: effect := [not] (cause_1 <operator> cause_2 ...)."""

    effect: str
    causes: tuple[Literal, ...]
    operator: str = "and"  # "and" | "or"; irrelevant with a single cause
    negated: bool = False

    def compute(self, world: Mapping[str, bool]) -> bool:
        values = [cause.holds(world) for cause in self.causes]
        combined = all(values) if self.operator == "and" else any(values)
        return combined != self.negated

    def to_json(self) -> dict:
        return {
            "effect": self.effect,
            "causes": [cause.to_json() for cause in self.causes],
            "operator": self.operator,
            "negated": self.negated,
        }

    @classmethod
    def from_json(cls, data: Mapping) -> Mechanism:
        causes = tuple(Literal(str(c["variable"]), bool(c["negated"])) for c in data["causes"])
        return cls(str(data["effect"]), causes, str(data["operator"]), bool(data["negated"]))


@dataclass(frozen=True)
class CausalModel:
    """Variables in order of first mention and at most one equation per variable."""

    variables: tuple[str, ...]
    mechanisms: tuple[Mechanism, ...]

    def __post_init__(self) -> None:
        effects = [m.effect for m in self.mechanisms]
        if len(effects) != len(set(effects)):
            raise ValueError("a variable has more than one causal rule")
        known = set(self.variables)
        for mechanism in self.mechanisms:
            missing = {mechanism.effect, *(c.variable for c in mechanism.causes)} - known
            if missing:
                raise ValueError(f"rules mention unknown variables: {sorted(missing)}")

    @property
    def equations(self) -> dict[str, Mechanism]:
        return {m.effect: m for m in self.mechanisms}

    @property
    def roots(self) -> tuple[str, ...]:
        """Exogenous variables: those no rule causes."""
        caused = {m.effect for m in self.mechanisms}
        return tuple(v for v in self.variables if v not in caused)

    def to_json(self) -> dict:
        return {"variables": list(self.variables), "mechanisms": [m.to_json() for m in self.mechanisms]}

    @classmethod
    def from_json(cls, data: Mapping) -> CausalModel:
        return cls(
            tuple(str(v) for v in data["variables"]),
            tuple(Mechanism.from_json(m) for m in data["mechanisms"]),
        )


def evaluation_order(model: CausalModel, interventions: Iterable[str] = ()) -> list[str]:
    """Variables in an order where every equation's causes come first (the intervened variables
    lose their equations, which can break a cycle). Raises CyclicModelError if none exists."""
    cut = set(interventions)
    parents = {
        m.effect: {c.variable for c in m.causes} for m in model.mechanisms if m.effect not in cut
    }
    order: list[str] = []
    placed: set[str] = set()
    pending = list(model.variables)
    while pending:
        ready = [v for v in pending if parents.get(v, set()) <= placed]
        if not ready:
            raise CyclicModelError(f"the rules form a cycle among {sorted(pending)}")
        for variable in ready:
            order.append(variable)
            placed.add(variable)
        pending = [v for v in pending if v not in placed]
    return order


def solve(
    model: CausalModel, roots: Mapping[str, bool], interventions: Mapping[str, bool] | None = None
) -> dict[str, bool]:
    """The one world the model implies given root values and do() interventions.
    Roots missing from ``roots`` are true (the protocol's default)."""
    interventions = dict(interventions or {})
    equations = model.equations
    world: dict[str, bool] = {}
    for variable in evaluation_order(model, interventions):
        if variable in interventions:
            world[variable] = bool(interventions[variable])
        elif variable in equations:
            world[variable] = equations[variable].compute(world)
        else:
            world[variable] = bool(roots.get(variable, True))
    return world


def explaining_root_values(model: CausalModel, observations: Mapping[str, bool]) -> list[dict[str, bool]]:
    """Abduction: every assignment of the roots whose factual world shows all the observations.
    Without observations that is the single all-true default; roots an observation names directly
    are fixed; only roots that could matter to an endogenous observation are enumerated."""
    roots = model.roots
    fixed = {root: bool(observations[root]) for root in roots if root in observations}
    endogenous = {v: bool(x) for v, x in observations.items() if v not in fixed}
    if not endogenous:
        return [{root: fixed.get(root, True) for root in roots}]
    free = [root for root in roots if root not in fixed]
    if len(free) > MAX_ROOTS_FOR_ABDUCTION:
        raise ValueError(f"abduction over {len(free)} free roots is too large")
    explanations = []
    for values in itertools.product((True, False), repeat=len(free)):
        candidate = {**fixed, **dict(zip(free, values))}
        world = solve(model, candidate)
        if all(world[v] == x for v, x in endogenous.items()):
            explanations.append(candidate)
    return explanations


def counterfactual_outcome(
    model: CausalModel,
    target: str,
    interventions: Mapping[str, bool],
    observations: Mapping[str, bool] | None = None,
) -> bool | None:
    """Abduction-action-prediction: would ``target`` hold under the interventions, given the
    observations of the factual world? None when the observations are impossible or leave the
    answer undetermined (different explanations give different answers)."""
    answers = {
        solve(model, roots, interventions)[target]
        for roots in explaining_root_values(model, observations or {})
    }
    return answers.pop() if len(answers) == 1 else None
