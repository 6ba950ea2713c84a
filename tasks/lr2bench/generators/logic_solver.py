"""An exact solver for the generated logic grid puzzles, and the uniqueness proof the generator needs.

Why not python-constraint2 (used before): the generator asks "is the solution unique?" after every
clue it adds and every clue it tries to drop, ~80-160 times per puzzle; through a general solver
that took 0.3-3.5 s per puzzle (bench/generators.py). Here the puzzle's own structure does the
work: every category is a permutation of the rows, so a variable (a category's value) has a bitmask
of the rows it can still take, and a search assigns the most constrained variable first, checking
each clue the moment all but one of its entities are placed (forward checking, with the same
``rows_hold`` predicate the clues are written with). The answers are the same numbers the general
solver gave (tests/test_generator_speed.py compares them on random clue sets), so the generated
puzzles are byte for byte the ones it made.

``UniquenessProver`` adds what a search from scratch would recompute: the solutions other than the
hidden one found so far ("witnesses"). A clue set that one of them satisfies is not unique, with no
search; a search runs only when no witness settles the question.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

Entity = tuple[str, str]  # (category, value)


# A clue's negation as a clue kind: "same" and "differ" negate each other; the others get kinds of
# their own (propagated by bitmask rules, or, for "pair" and "either", checked on full placements).
NEGATED = {"same": "differ", "differ": "same", "earlier": "not_earlier", "next": "not_next",
           "pair": "not_pair", "either": "not_either"}
LEAF_CHECKED = ("either", "pair", "not_either", "not_pair")


@dataclass
class Root:
    """A clue set ready to search: its clues, the clues watching each variable, the domains after
    propagation (None when the clues contradict each other)."""

    clues: list[tuple[str, tuple[int, ...]]]
    watching: list[list[int]]
    domains: list[int] | None


class LogicSolver:
    """The puzzle's variables over ``size`` rows: one per value of each non-ordered category, plus one
    constant per row for the ordered category's values (they sit in fixed rows). A domain is a bitmask
    of the rows a variable can still take."""

    def __init__(self, size: int, categories: Sequence[tuple[str, Sequence[str]]], fixed: dict[Entity, int],
                 rows_hold: Callable[[str, list[int]], bool]):
        self.size = size
        self.full = (1 << size) - 1
        self.rows_hold = rows_hold
        self.index: dict[Entity, int] = {}
        self.group: list[int] = []  # variable -> its category's number (all values of one category differ)
        for number, (name, values) in enumerate(categories):
            for value in values:
                self.index[(name, value)] = len(self.group)
                self.group.append(number)
        self.count = len(self.group)  # the search's variables; constants follow them
        self.constant = {entity: self.count + row for entity, row in fixed.items()}
        self.members = [[v for v, g in enumerate(self.group) if g == number] for number in range(len(categories))]
        self.start = [self.full] * self.count + [1 << row for row in range(size)]

    def compile(self, clue: dict) -> tuple[str, tuple[int, ...]]:
        """A clue as (kind, the variable of each entity, constants for fixed rows)."""
        return clue["kind"], tuple(self.constant.get(e) if e in self.constant else self.index[e]  # type: ignore[misc]
                                   for e in map(tuple, clue["entities"]))

    def holds(self, clue: tuple[str, tuple[int, ...]], rows: Sequence[int]) -> bool:
        """Whether a clue (or a negated one) holds when every variable v sits in row rows[v]."""
        kind, slots = clue
        if kind.startswith("not_"):
            return not self.rows_hold(kind[4:], [rows[v] for v in slots])
        return self.rows_hold(kind, [rows[v] for v in slots])

    def rows_of(self, solution: Sequence[int]) -> list[int]:
        """Every variable's row (constants included) from a solution's domains (one bit each)."""
        return [domain.bit_length() - 1 for domain in solution]

    def solve(self, clues: Sequence[tuple[str, tuple[int, ...]]], limit: int = 2) -> list[list[int]]:
        """Up to ``limit`` solutions, each the row of every variable (constants included)."""
        return self.search(self.root(clues), limit)

    def root(self, clues: Sequence[tuple[str, tuple[int, ...]]]) -> Root:
        """The clues' search root: domains propagated before any choice (None: no solution)."""
        watching: list[list[int]] = [[] for _ in self.start]
        for number, (_, slots) in enumerate(clues):
            for v in dict.fromkeys(slots):
                watching[v].append(number)
        domains = list(self.start)
        consistent = self._propagate(clues, watching, domains, list(range(len(domains))))
        return Root(list(clues), watching, domains if consistent else None)

    def extend(self, root: Root, clue: tuple[str, tuple[int, ...]]) -> Root:
        """The root of ``root``'s clues plus one: propagated from the new clue's variables only."""
        number = len(root.clues)
        watching = [list(watched) for watched in root.watching]
        for v in dict.fromkeys(clue[1]):
            watching[v].append(number)
        grown = Root([*root.clues, clue], watching, None if root.domains is None else list(root.domains))
        if grown.domains is not None and not self._propagate(grown.clues, watching, grown.domains, list(dict.fromkeys(clue[1]))):
            grown.domains = None
        return grown

    def search(self, root: Root, limit: int) -> list[list[int]]:
        """Up to ``limit`` solutions under a root."""
        if root.domains is None:
            return []
        solutions: list[list[int]] = []
        self._search(root.clues, root.watching, list(root.domains), solutions, limit)
        return [self.rows_of(solution) for solution in solutions]

    def _search(self, clues, watching, domains: list[int], solutions: list[list[int]], limit: int) -> bool:
        """Depth-first on the variable with the fewest rows left (after propagation); True once
        ``limit`` solutions are found."""
        best, best_count = -1, self.size + 1
        for v in range(self.count):
            n = domains[v].bit_count()
            if 1 < n < best_count:
                best, best_count = v, n
                if n == 2:
                    break
        if best < 0:  # every variable placed: the two-entity clues are checked by propagation, the rest here
            rows = self.rows_of(domains)
            if all(self.holds(clue, rows) for clue in clues if clue[0] in LEAF_CHECKED):
                solutions.append(domains)
            return len(solutions) >= limit
        domain = domains[best]
        while domain:
            low = domain & -domain
            domain ^= low
            trial = list(domains)
            trial[best] = low
            if self._propagate(clues, watching, trial, [best]) and self._search(clues, watching, trial, solutions, limit):
                return True
        return False

    def _propagate(self, clues, watching, domains: list[int], queue: list[int]) -> bool:
        """Remove rows no solution can use, until nothing changes: a placed value's row is taken from
        the rest of its category, a row only one value of a category can take goes to it, and each
        clue keeps only rows it could hold with (exact for the two-entity kinds; for "either" and
        "pair" a looser rule, and the search checks them on each full placement). False on a
        contradiction."""
        count, group, members, full = self.count, self.group, self.members, self.full
        pending = set(queue)
        dirty: set[int] = set()  # categories whose hidden singles are looked for once the queue is empty
        while queue or dirty:
            if not queue:
                for category in dirty:
                    siblings = members[category]
                    seen = once = 0
                    for other in siblings:
                        d = domains[other]
                        once = (once & ~d) | (d & ~seen)
                        seen |= d
                    if seen != full:
                        return False
                    for other in siblings:
                        d = domains[other]
                        only = d & once
                        if only and d != only:
                            if only & (only - 1):  # the only taker of two rows: one of them stays empty
                                return False
                            domains[other] = only
                            pending.add(other)
                            queue.append(other)
                dirty.clear()
                continue
            v = queue.pop()
            pending.discard(v)
            domain = domains[v]
            if v < count:
                dirty.add(group[v])
                if domain & (domain - 1) == 0:
                    for other in members[group[v]]:
                        if other != v and domains[other] & domain:
                            left = domains[other] & ~domain
                            if not left:
                                return False
                            domains[other] = left
                            if other not in pending:
                                pending.add(other)
                                queue.append(other)
            for number in watching[v]:
                changed = self._revise(clues[number], domains)
                if changed is None:
                    return False
                for other in changed:
                    if other not in pending:
                        pending.add(other)
                        queue.append(other)
        return True

    def _revise(self, clue: tuple[str, tuple[int, ...]], domains: list[int]) -> list[int] | None:
        """Narrow the domains of one clue's variables; the variables that changed, None if one empties."""
        kind, slots = clue
        if kind in ("same", "differ", "earlier", "next", "not_earlier", "not_next"):
            a, b = slots
            da, db = domains[a], domains[b]
            if kind == "same":
                na = nb = da & db
            elif kind == "differ":
                na = da & ~db if db & (db - 1) == 0 else da
                nb = db & ~da if da & (da - 1) == 0 else db
            elif kind == "earlier":  # row a < row b
                na = da & ((1 << (db.bit_length() - 1)) - 1)
                nb = db & ~((1 << (da & -da).bit_length()) - 1)
            elif kind == "next":  # row a == row b + 1
                na = da & (db << 1)
                nb = db & (da >> 1)
            elif kind == "not_earlier":  # row a >= row b
                na = da & ~((1 << ((db & -db).bit_length() - 1)) - 1)
                nb = db & ((1 << da.bit_length()) - 1)
            else:  # not_next: row a != row b + 1
                na = da & ~(db << 1) if db & (db - 1) == 0 else da
                nb = db & ~(da >> 1) if da & (da - 1) == 0 else db
            if not na or not nb:
                return None
            changed = []
            if na != da:
                domains[a] = na
                changed.append(a)
            if nb != db:
                domains[b] = nb
                changed.append(b)
            return changed
        if kind == "either":  # row c is row a or row b (a and b differ)
            a, b, c = slots
            da, db, dc = domains[a], domains[b], domains[c]
            nc = dc & (da | db)
            na = da & nc if not db & nc else da
            nb = db & nc if not da & nc else db
            updates: tuple[tuple[int, int, int], ...] = ((a, da, na), (b, db, nb), (c, dc, nc))
        elif kind == "pair":  # {row a, row b} == {row c, row d}
            a, b, c, d = slots
            da, db, dc, dd = domains[a], domains[b], domains[c], domains[d]
            one, other = dc | dd, da | db
            updates = ((a, da, da & one), (b, db, db & one), (c, dc, dc & other), (d, dd, dd & other))
        elif kind in ("not_pair", "not_either"):
            return []  # checked on full placements only
        else:
            raise ValueError(f"unknown clue kind {kind}")
        changed = []
        for v, before, after in updates:
            if not after:
                return None
            if after != before:
                domains[v] = after
                changed.append(v)
        return changed


class UniquenessProver:
    """Answers "does this clue set have exactly one solution (the hidden one)?" as a search would,
    remembering every other solution found on the way (witnesses): a clue set that one of them
    satisfies is not unique, with no search. Which clues a witness breaks is worked out once per
    (witness, clue); clues are known by identity (the generator's clue dicts live as long as it runs)."""

    def __init__(self, solver: LogicSolver, hidden: dict[Entity, int]):
        self.solver = solver
        self.hidden = [hidden[entity] for entity in sorted(solver.index, key=solver.index.__getitem__)]
        self.hidden += list(range(solver.size))  # the constants' rows
        self.witnesses: list[tuple[list[int], set[int], set[int]]] = []  # (rows, clues checked, clues broken)
        self.compiled: dict[int, tuple[dict, tuple[str, tuple[int, ...]]]] = {}

    def unique_without(self, clues: Sequence[dict], dropped: dict) -> bool:
        """Whether ``clues`` without ``dropped`` still has one solution, where ``clues`` has exactly
        one (the hidden one). Any other solution of the rest breaks ``dropped`` (else it would solve
        ``clues`` too), so the search asks for a solution of the rest and of the negation of
        ``dropped``: tightly constrained, it ends fast either way."""
        rest = [clue for clue in clues if clue is not dropped]
        kind, slots = self._compile(dropped)
        found = self.solver.solve([self._compile(clue) for clue in rest] + [(NEGATED[kind], slots)], limit=1)
        if found:
            self.witnesses.append((found[0], {id(clue) for clue in rest}, {id(dropped)}))
        return not found

    def _root_of(self, clues: Sequence[dict]) -> Root:
        """The search root of ``clues``; grown from the last one when ``clues`` only adds clues to the
        last call's (the generator adds clues one at a time)."""
        key = [id(clue) for clue in clues]
        last = self.__dict__.get("_last")
        if last is not None and key[:len(last[0])] == last[0]:
            root = last[1]
            for clue in clues[len(last[0]):]:
                root = self.solver.extend(root, self._compile(clue))
        else:
            root = self.solver.root([self._compile(clue) for clue in clues])
        self._last = (key, root)
        return root

    def _compile(self, clue: dict) -> tuple[str, tuple[int, ...]]:
        if id(clue) not in self.compiled:
            self.compiled[id(clue)] = (clue, self.solver.compile(clue))
        return self.compiled[id(clue)][1]

    def unique(self, clues: Sequence[dict]) -> bool:
        ids = {id(clue) for clue in clues}
        for clue in clues:
            self._compile(clue)
        for rows, checked, broken in reversed(self.witnesses):  # the newest is the likeliest to fit
            for key in ids - checked:
                checked.add(key)
                if not self.solver.holds(self.compiled[key][1], rows):
                    broken.add(key)
            if broken.isdisjoint(ids):
                return False
        found = self.solver.search(self._root_of(clues), limit=2)
        others = [rows for rows in found if rows != self.hidden]
        if others:
            self.witnesses.append((others[0], set(ids), set()))
        return len(found) == 1
