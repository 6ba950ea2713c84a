"""Grades a chain of thought step by step, as PrOntoQA's analysis does (Saparov & He 2023, section 5,
and the reference grader in the authors' repository, which tests/test_prontoqa_reference.py runs as
an oracle on the same inputs).

Every parsed step is judged against the context (the axioms) and the steps before it:

    strictly valid  one deduction (modus ponens, and-/or-introduction, and-elimination, proof by
                    cases, proof by contradiction) from premises stated in the context or in earlier
                    strictly valid steps, one of them the step just before (the protocol's "atomic");
                    quoting a context sentence is valid too
    non-atomic      provable from the context, but in more than one deduction or from a premise the
                    chain never stated (broadly valid)
    skip            a rule that is not in the context but follows from two of its rules (broadly valid)
    invalid         none of the above (an unparseable sentence is invalid too)
    misleading      a context rule that applies to the entity's last proven concept but leaves the gold
                    proof (the protocol's "wrong branch"): valid, yet a wrong turn

A proof reaches its conclusion when the gold proof's last step is derived with no open hypotheses:
strictly (every premise on the way strictly valid: the paper's proof accuracy), or broadly
(non-atomic and skip steps allowed). Steps off the path do not break a proof in the paper's
reading; ``every_step_valid`` is the stricter reading that also asks every step to be valid.

Bounded work on any input: at most MAX_DERIVATIONS premise searches per step and
MAX_CHAIN_DERIVATIONS per chain (a hostile chain of restated cyclic rules would otherwise search
exponentially); the chains of the protocol need a few dozen in all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Union

from tasks.prontoqa.logic import AND, OR, Assume, Contradicts, Fact, Formula, Junction, Lit, Rule, Step, negate

MAX_DERIVATIONS = 2_000  # premise searches per step (a real chain needs a few dozen in all)
MAX_CHAIN_DERIVATIONS = 10_000  # per chain: past this, later steps count as not provable

Premise = Union[int, Step]  # an earlier step's index, or a context sentence the chain never stated


@dataclass
class Derivation:
    """How a formula follows: its size in deductions (None = it does not), whether it is strictly
    valid / valid with non-atomic steps / valid with skip steps, its premises, and the hypotheses it
    discharges (proof by cases or by contradiction)."""

    size: int | None = None
    valid: bool = False
    non_atomic: bool = False
    skip: bool = False
    premises: list[Premise] = field(default_factory=list)
    discharged: list[Fact] = field(default_factory=list)


@dataclass
class ProofGrade:
    """Step indices per category, and whether the conclusion was reached."""

    n_steps: int
    correct: list[int] = field(default_factory=list)
    correct_and_useful: list[int] = field(default_factory=list)
    non_atomic: list[int] = field(default_factory=list)
    useful_non_atomic: list[int] = field(default_factory=list)
    wrong_non_atomic: list[int] = field(default_factory=list)
    skip: list[int] = field(default_factory=list)
    useful_skip: list[int] = field(default_factory=list)
    wrong_skip: list[int] = field(default_factory=list)
    wrong_branch: list[int] = field(default_factory=list)
    invalid_rules: list[int] = field(default_factory=list)
    incorrect: list[int] = field(default_factory=list)
    unparseable: list[int] = field(default_factory=list)
    contradictions: list[int] = field(default_factory=list)  # "This contradicts with ..." steps that closed a valid contradiction
    found_conclusion: bool = False
    found_conclusion_with_skip: bool = False
    found_conclusion_with_non_atomic: bool = False

    @property
    def broadly_found(self) -> bool:
        return self.found_conclusion or self.found_conclusion_with_skip or self.found_conclusion_with_non_atomic

    def step_labels(self) -> list[str]:
        """One word per step: valid, misleading, non_atomic, skip, invalid, unparseable, (none)."""
        labels = ["none"] * self.n_steps
        for name, indices in (("valid", [*self.correct, *self.contradictions]), ("non_atomic", self.non_atomic), ("skip", self.skip),
                              ("invalid", self.incorrect), ("unparseable", self.unparseable), ("misleading", self.wrong_branch)):
            for index in indices:
                if 0 <= index < self.n_steps:
                    labels[index] = name
        return labels


def _junction_fact(step: object, op: str) -> bool:
    return isinstance(step, Fact) and isinstance(step.formula, Junction) and step.formula.op == op


def _conclusion_matches(step: Step, conclusion: Step | None) -> bool:
    """The gold conclusion, where a conjunction/disjunction may list its parts in any order."""
    if (isinstance(step, Fact) and isinstance(conclusion, Fact) and isinstance(step.formula, Junction)
            and isinstance(conclusion.formula, Junction) and step.formula.op == conclusion.formula.op):
        return step.entity == conclusion.entity and frozenset(step.formula.parts) == frozenset(conclusion.formula.parts)
    return step == conclusion


def _unifies(fact: Step, formula: Formula) -> bool:
    """Whether a fact is ``formula`` said of some entity (a junction's parts in any order)."""
    if not isinstance(fact, Fact):
        return False
    if isinstance(fact.formula, Junction) and isinstance(formula, Junction) and fact.formula.op == formula.op:
        return frozenset(fact.formula.parts) == frozenset(formula.parts)
    return fact.formula == formula


def _negated_literal_fact(step: Step | None) -> Fact | None:
    """The fact with its literal's sign flipped (None where the step is not a one-literal fact)."""
    if isinstance(step, Fact) and isinstance(step.formula, Lit):
        return step.negated()
    return None


def _rule_graph(axioms: Sequence[Step]) -> dict[Formula, list[Formula]]:
    """Which formulas each context rule leads to (for rules a chain states without the context)."""
    graph: dict[Formula, list[Formula]] = {}
    for axiom in axioms:
        if isinstance(axiom, Rule):
            antecedents, consequents = _split(axiom.antecedent, OR), _split(axiom.consequent, AND)
            for antecedent in antecedents:
                graph.setdefault(antecedent, []).extend(consequents)
    return graph


def _is_op(formula: Formula, op: str) -> bool:
    return isinstance(formula, Junction) and formula.op == op


def _split(formula: Formula, op: str) -> list[Formula]:
    """The parts of a junction with operator ``op``; any other formula alone."""
    return list(formula.parts) if isinstance(formula, Junction) and formula.op == op else [formula]


def _path_length(graph: dict[Formula, list[Formula]], source: Formula, target: Formula) -> int:
    """Edges from source to target in the order a depth-first walk meets them (-1: unreachable)."""
    stack, seen = [(source, 0)], set()
    while stack:
        node, length = stack.pop()
        for neighbour in graph.get(node, ()):
            if neighbour in seen:
                continue
            if neighbour == target:
                return length + 1
            stack.append((neighbour, length + 1))
            seen.add(neighbour)
    return -1


class _Checker:
    """One chain of thought against one context; the step lists grow as the chain is read."""

    def __init__(self, steps: Sequence[Step | None], axioms: Sequence[Step], gold: Sequence[Step]) -> None:
        self.proof: list[Step | None] = list(steps)
        self.axioms = list(axioms)
        self.gold = list(gold)
        self.grade = ProofGrade(n_steps=len(self.proof))
        self.hypotheses: list[set[Fact]] = []
        self.budget = MAX_DERIVATIONS
        self.chain_budget = MAX_CHAIN_DERIVATIONS
        self.at: dict[Step, list[int]] = {}  # where each step read so far sits in the chain
        self.in_conjunction_at: dict[Fact, list[int]] = {}  # where a conjunction holding each conjunct sits
        self.contrapositives: dict[Rule, Rule] = {}
        self.status: dict[str, set[int]] = {"correct": set(), "non_atomic": set(), "skip": set(), "incorrect": set()}

    # ------------------------------------------------------------ status of earlier steps
    def _correct(self, premise: Premise) -> bool:
        return isinstance(premise, int) and premise in self.status["correct"]

    def _non_atomic(self, premise: Premise) -> bool:
        return isinstance(premise, int) and premise in self.status["non_atomic"]

    def _skip(self, premise: Premise) -> bool:
        return isinstance(premise, int) and premise in self.status["skip"]

    def _mark(self, kind: str, index: int) -> None:
        getattr(self.grade, kind).append(index)
        self.status[kind].add(index)

    def _read(self, index: int) -> None:
        """Index the step at ``index`` (once its hypothesis marker is removed) for the lookups below."""
        step = self.proof[index]
        if step is None:
            return
        self.at.setdefault(step, []).append(index)
        if _junction_fact(step, AND):
            assert isinstance(step, Fact) and isinstance(step.formula, Junction)
            for part in step.formula.parts:
                self.in_conjunction_at.setdefault(Fact(step.entity, part), []).append(index)

    def _last_before(self, step: Step, index: int) -> int | None:
        """The last position before ``index`` holding ``step``."""
        return max((k for k in self.at.get(step, ()) if k < index), default=None)

    def _candidates(self, before: int) -> list[tuple[Premise, Step | None]]:
        """Earlier steps from the nearest back, then the context sentences in order."""
        return [*((j, self.proof[j]) for j in range(before - 1, -1, -1)), *((axiom, axiom) for axiom in self.axioms)]

    def _expected_premises(self, formula: Fact, index: int) -> list[int]:
        """Where a premise of ``formula`` must sit: just before it (or before an earlier copy of it)."""
        spots = [k - 1 for k in (*self.at.get(formula, ()), *self.in_conjunction_at.get(formula, ())) if k <= index]
        return spots or [index - 1]

    # ------------------------------------------------------------ premise search
    def find_premise(self, premise: Step, index: int, seen: list[Step]) -> Derivation:
        for key, step in self._candidates(index):
            if step == premise:
                from_context = not isinstance(key, int)
                return Derivation(1 if from_context else 0, self._correct(key), self._non_atomic(key) or from_context,
                                  self._skip(key), [key])
        return self.provable(premise, index, seen, hypotheses=False)

    def antecedent_provable(self, rule: Rule, rule_key: Premise, entity: str, missing_axiom: bool, index: int,
                            seen: list[Step]) -> Derivation:
        """Whether the rule's premise holds of ``entity`` before step ``index``."""
        premise = Fact(entity, rule.antecedent)
        k = self._last_before(premise, index)
        if k is not None:
            result = Derivation(1 + int(missing_axiom), premises=[k, rule_key])
            if self._correct(k):
                if self._correct(rule_key):
                    return Derivation(1, True, premises=[k, rule_key])
                if self._non_atomic(rule_key) or not isinstance(rule_key, int):
                    result.non_atomic = True
                elif self._skip(rule_key):
                    result.skip = True
            result.non_atomic |= self._non_atomic(k)
            result.skip |= self._skip(k)
            return result
        sub = self.provable(premise, index, seen, hypotheses=False)
        if sub.size is None:
            return Derivation()
        return Derivation(sub.size + 1 + int(missing_axiom), non_atomic=True, premises=[*sub.premises, rule_key])

    def provable(self, formula: Step, index: int, seen: list[Step], hypotheses: bool = True) -> Derivation:
        """How ``formula`` (the step at ``index``, or a premise it needs) follows from what precedes it."""
        self.budget -= 1
        self.chain_budget -= 1
        if self.budget < 0 or self.chain_budget < 0:
            return Derivation()
        if formula in self.axioms:
            return Derivation(1, True)
        if isinstance(formula, Contradicts) and hypotheses and index + 1 < len(self.proof):
            return self._contradiction(formula, index, seen)
        best = Derivation()
        missing_axiom = False
        if isinstance(formula, Fact) and isinstance(formula.formula, Junction):
            best = self._introduction(formula, index, seen)
        for key, step in self._candidates(index):  # and-elimination
            if best.size == 1:
                break
            if not isinstance(key, int):
                missing_axiom = True
            if _junction_fact(step, AND) and isinstance(formula, Fact):
                assert isinstance(step, Fact) and isinstance(step.formula, Junction)
                if any(Fact(step.entity, part) == formula for part in step.formula.parts):
                    best.premises, best.size = [key], 1 + int(missing_axiom)
                    if self._correct(key):
                        best.valid = True
                    elif self._non_atomic(key) or not isinstance(key, int):
                        best.non_atomic = True
                    elif self._skip(key):
                        best.skip = True
            elif isinstance(step, Rule) and _is_op(step.consequent, AND) and isinstance(formula, Fact):
                assert isinstance(step.consequent, Junction)
                for part in step.consequent.parts:
                    if formula.formula != part or Fact(formula.entity, step.antecedent) in (*seen, formula):
                        continue
                    if self._apply(step, key, formula, index, seen, missing_axiom, best, extra=1):
                        break
        if hypotheses and (best.size is None or best.size > 1) and index > 0:
            cases = self._cases(formula, index)
            if cases is not None:
                best.valid |= cases.valid
                best.non_atomic |= cases.non_atomic
                best.skip |= cases.skip
                return Derivation(1, best.valid, best.non_atomic, best.skip, cases.premises, cases.discharged)
        for key, step in self._candidates(index):  # modus ponens, and modus tollens (never atomic)
            if not isinstance(key, int):
                missing_axiom = True
            if not isinstance(step, Rule) or not isinstance(formula, Fact):
                continue
            if _unifies(formula, step.consequent):
                if Fact(formula.entity, step.antecedent) in (*seen, formula):
                    continue
                if self._apply(step, key, formula, index, seen, missing_axiom, best, extra=0):
                    continue
            contrapositive = self._contrapositive(step)
            if _unifies(formula, contrapositive.consequent):
                if Fact(formula.entity, contrapositive.antecedent) in (*seen, formula):
                    continue
                self._apply(contrapositive, key, formula, index, seen, missing_axiom, best, extra=0, tollens=True)
        last = self._last_before(formula, index) if hypotheses and best.size is None else None
        if last is not None:
            return Derivation(0, True, best.non_atomic, best.skip, [last])
        return best

    def _contrapositive(self, rule: Rule) -> Rule:
        if rule not in self.contrapositives:
            self.contrapositives[rule] = Rule(negate(rule.consequent), negate(rule.antecedent))
        return self.contrapositives[rule]

    def _apply(self, rule: Rule, key: Premise, formula: Fact, index: int, seen: list[Step], missing_axiom: bool,
               best: Derivation, extra: int, tollens: bool = False) -> bool:
        """Modus ponens (or tollens) with ``rule`` to reach ``formula``; updates ``best`` when this is
        a shorter derivation with a premise where the protocol expects one. True when it is strictly valid."""
        expected = self._expected_premises(formula, index)
        at = index - 1 if isinstance(key, int) and key == index - 1 else index  # a rule just before: its premise before it
        ante = self.antecedent_provable(rule, key, formula.entity, missing_axiom, at, [*seen, formula])
        if ante.size is None:
            return False
        size = ante.size + extra
        if best.size is not None and size >= best.size:
            return False
        if key not in expected and not any(k in ante.premises for k in expected):
            return False
        best.size, best.premises = size, ante.premises
        if extra:  # and-elimination through a rule with a conjunctive conclusion
            best.valid, best.non_atomic, best.skip = ante.valid, ante.non_atomic, ante.skip
        elif tollens:
            best.valid = False
            best.non_atomic = self._non_atomic(key) or ante.non_atomic or (self._correct(key) and ante.valid)
            best.skip = self._skip(key) or ante.skip
        else:
            best.valid = self._correct(key) and ante.valid
            best.non_atomic = self._non_atomic(key) or ante.non_atomic
            best.skip = self._skip(key) or ante.skip
        return best.valid

    def _introduction(self, formula: Fact, index: int, seen: list[Step]) -> Derivation:
        """And-introduction (every part found) or or-introduction (one part found)."""
        junction = formula.formula
        assert isinstance(junction, Junction)
        result = Derivation(1 if junction.op == AND else None)
        for part in junction.parts:
            found = self.find_premise(Fact(formula.entity, part), index, [*seen, formula])
            usable = found.size is not None and (found.valid or found.non_atomic or found.skip)
            if junction.op == AND:
                if not usable:
                    return Derivation()
                result.premises.extend(found.premises)
                result.size = (result.size or 0) + (found.size or 0)
                result.valid = True
            elif usable and found.size is not None and (result.size is None or found.size + 1 < result.size):
                result.premises, result.size, result.valid = found.premises, found.size + 1, True
        return result

    def _cases(self, formula: Step, index: int) -> Derivation | None:
        """Proof by cases: every disjunct of an earlier disjunction led to ``formula`` under its hypothesis."""
        derived = [(self.hypotheses[j], j) for j in range(index) if self.proof[j] == formula
                   and (self._correct(j) or self._non_atomic(j) or self._skip(j))]
        for j in reversed(self.grade.correct):
            disjunction = self.proof[j]
            if not _junction_fact(disjunction, OR):
                continue
            assert isinstance(disjunction, Fact) and isinstance(disjunction.formula, Junction)
            result = Derivation(1, valid=True)
            for part in disjunction.formula.parts:
                case = Fact(disjunction.entity, part)
                hit = next((k for hyps, k in derived if case in hyps), None)
                if hit is None:
                    break
                result.premises.append(hit)
                result.valid &= self._correct(hit)
                result.non_atomic |= self._non_atomic(hit)
                result.skip |= self._skip(hit)
            else:
                result.premises.append(j)
                result.discharged = [Fact(disjunction.entity, part) for part in disjunction.formula.parts]
                return result
        return None

    def _contradiction(self, step: Contradicts, index: int, seen: list[Step]) -> Derivation:
        """ "This contradicts with F": F's negation was derived, and the next step negates an open hypothesis."""
        negation = _negated_literal_fact(step.fact)
        if negation is None:
            return Derivation()
        found = self.find_premise(negation, index, [*seen, step])
        if found.size is None or not (found.valid or found.non_atomic or found.skip):
            return Derivation()
        open_hypotheses: set[Fact] = set()
        for premise in found.premises:
            stated = self.proof[premise] if isinstance(premise, int) else premise
            for j in range(index):
                if self.proof[j] == stated:
                    open_hypotheses |= self.hypotheses[j]
        withdrawn = _negated_literal_fact(self.proof[index + 1])
        if withdrawn is None or withdrawn not in open_hypotheses:
            return Derivation()
        return Derivation(found.size + 1, found.valid, found.non_atomic, found.skip, [*found.premises, withdrawn], [withdrawn])

    # ------------------------------------------------------------ the walk over the chain
    def run(self) -> ProofGrade:
        grade, proof = self.grade, self.proof
        conclusion = self.gold[-1] if self.gold else None
        graph = _rule_graph(self.axioms)
        i = 0
        while i < len(proof):
            self.budget = MAX_DERIVATIONS
            step = proof[i]
            current: set[Fact] = set()
            if step is None:
                grade.unparseable.append(i)
                self._mark("incorrect", i)
                self.hypotheses.append(current)
                i += 1
                continue
            assumption = isinstance(step, Assume)
            if isinstance(step, Assume):
                step = proof[i] = step.fact
                current.add(step)
            self._read(i)
            useful = step in self.gold
            is_conclusion = _conclusion_matches(step, conclusion)
            self._note_wrong_branch(step, i)
            if assumption:
                self._mark("correct", i)
                self.hypotheses.append(current)
                i += 1
                continue
            derivation = self.provable(step, i, [])
            size = derivation.size
            if any(isinstance(p, int) and p in self.status["incorrect"] for p in derivation.premises):
                size = None
            if size is not None and isinstance(step, Contradicts):
                if derivation.valid:
                    grade.contradictions.append(i)
                self.hypotheses.append(current)
                i += 1
                self._read(i)
                is_conclusion = proof[i] == conclusion
            for premise in derivation.premises:  # new sets: the one appended for a contradiction stays as it was
                if isinstance(premise, int):
                    current = current | self.hypotheses[premise]
                elif (where := self._last_before(premise, i)) is not None:
                    current = current | self.hypotheses[where]
            current = current - set(derivation.discharged)
            closed = is_conclusion and not current
            if size in (0, 1) and (derivation.valid or derivation.non_atomic or derivation.skip):
                if derivation.valid:
                    self._mark("correct", i)
                    if useful:
                        grade.correct_and_useful.append(i)
                    grade.found_conclusion |= closed
                elif derivation.non_atomic:
                    self._mark("non_atomic", i)
                    grade.found_conclusion_with_non_atomic |= closed
                else:
                    self._mark("skip", i)
                    grade.found_conclusion_with_skip |= closed
            elif size is not None and size > 1:
                stated = [proof[p] if isinstance(p, int) else p for p in derivation.premises]
                if all(p in self.gold for p in stated) and not useful:
                    grade.wrong_non_atomic.append(i)
                else:
                    grade.useful_non_atomic.append(i)
                grade.found_conclusion_with_non_atomic |= closed
                self._mark("non_atomic", i)
            elif isinstance(step, Rule) and self._follows_from_two_rules(step, graph):
                self._note_skip_rule(step, i)
            else:
                if isinstance(step, Rule):
                    grade.invalid_rules.append(i)
                self._mark("incorrect", i)
            self.hypotheses.append(current)
            i += 1
        return grade

    def _note_wrong_branch(self, step: Step, index: int) -> None:
        """A context rule about the last proven concept that leaves the gold proof: a misleading step."""
        grade = self.grade
        last = self.proof[grade.correct[-1]] if grade.correct else None
        if (step not in self.gold and step in self.axioms and isinstance(step, Rule) and isinstance(step.antecedent, Lit)
                and step.antecedent.positive and last is not None and last in self.gold and isinstance(last, Fact)
                and isinstance(last.formula, Lit) and last.formula.positive
                and step.antecedent.predicate == last.formula.predicate):
            grade.wrong_branch.append(index)

    @staticmethod
    def _follows_from_two_rules(rule: Rule, graph: dict[Formula, list[Formula]]) -> bool:
        return all(1 <= _path_length(graph, a, c) <= 2 for a in _split(rule.antecedent, OR) for c in _split(rule.consequent, AND))

    def _note_skip_rule(self, rule: Rule, index: int) -> None:
        grade = self.grade
        premise = next((self.proof[k] for k in [*grade.correct, *grade.skip] if _unifies_exactly(self.proof[k], rule.antecedent)), None)
        antecedent_useful = premise is not None and premise in self.gold
        consequent_useful = isinstance(premise, Fact) and Fact(premise.entity, rule.consequent) in self.gold
        (grade.wrong_skip if antecedent_useful and not consequent_useful else grade.useful_skip).append(index)
        self._mark("skip", index)


def _unifies_exactly(step: Step | None, formula: Formula) -> bool:
    return isinstance(step, Fact) and step.formula == formula


def check_proof(steps: Sequence[Step | None], axioms: Sequence[Step], gold: Sequence[Step]) -> ProofGrade:
    """Grade a parsed chain of thought (None = an unparseable sentence) against the context and the gold proof."""
    return _Checker(steps, axioms, gold).run()
