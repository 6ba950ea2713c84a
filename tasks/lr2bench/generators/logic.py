"""Fresh logic grid puzzles whose unique solution is proved by an exact solver (logic_solver.py).

A puzzle has one ordered category that names the rows (years, prices or times) and three more
categories (names, pets, ...), each with `size` values; a hidden random assignment puts one value
of each category in every row. Random true clues about that assignment (same / not same / earlier /
exactly one step later / "of A and B, one is C and the other D" / "either A or B is C") are added
until the solver finds exactly one assignment, then clues are dropped in random order while the
solution stays unique, so no clue is redundant.

Record (as LR2Bench's): {"tag", "value": {category: values}, "clue": {"1": text, ...},
"example_text"}; gold = rows ordered by the first category, [{category: value, ...}, ...]. The
sample also carries "clue_logic" (the clues as data) so tests can re-check uniqueness independently.
Levels as in the original: 4_N = 4 categories with N values each (N = 4..7).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass

from tasks.lr2bench.generators.logic_solver import LogicSolver, UniquenessProver
from tasks.lr2bench.generators.text import FIRST_NAMES

LEVEL_SIZES = {"4_4": 4, "4_5": 5, "4_6": 6, "4_7": 7}
MAX_CANDIDATE_CLUES = 400


@dataclass(frozen=True)
class OrderedCategory:
    """The row category: its values come in order, and clues may compare them."""

    name: str
    values: Callable[[random.Random, int], list[str]]
    describe: str  # "the person who joined in {v}"
    earlier: str  # "{a} joined earlier than {b}"
    one_step_later: str  # "{a} joined exactly one year after {b}"


@dataclass(frozen=True)
class Category:
    name: str
    pool: tuple[str, ...]
    describe: str  # "the {v} owner"


def _years(rng: random.Random, size: int) -> list[str]:
    start = rng.randint(1990, 2015)
    return [str(start + i) for i in range(size)]


def _prices(rng: random.Random, size: int) -> list[str]:
    start = rng.choice((5, 10, 15, 20))
    return [f"${start + 5 * i}" for i in range(size)]


def _times(rng: random.Random, size: int) -> list[str]:
    start = rng.choice((7, 8, 9)) * 60
    return [f"{(start + 30 * i) // 60}:{(start + 30 * i) % 60:02d}" for i in range(size)]


ORDERED = (
    OrderedCategory("years", _years, "the person who joined in {v}", "{a} joined earlier than {b}",
                    "{a} joined exactly one year after {b}"),
    OrderedCategory("prices", _prices, "the customer who paid {v}", "{a} paid less than {b}",
                    "{a} paid exactly $5 more than {b}"),
    OrderedCategory("times", _times, "the guest who arrived at {v}", "{a} arrived earlier than {b}",
                    "{a} arrived exactly 30 minutes after {b}"),
)
CATEGORIES = (
    Category("names", FIRST_NAMES, "{v}"),
    Category("pets", ("cat", "dog", "parrot", "hamster", "rabbit", "turtle", "goldfish", "ferret", "lizard"),
             "the {v} owner"),
    Category("colors", ("red", "blue", "green", "yellow", "purple", "orange", "white", "black", "gray"),
             "the person whose favorite color is {v}"),
    Category("cities", ("Oslo", "Lima", "Cairo", "Dublin", "Kyoto", "Quito", "Perth", "Porto", "Riga"),
             "the person from {v}"),
    Category("drinks", ("tea", "coffee", "cocoa", "lemonade", "cider", "milk", "juice", "water", "soda"),
             "the {v} drinker"),
    Category("instruments", ("piano", "violin", "flute", "cello", "drums", "harp", "trumpet", "guitar", "oboe"),
             "the {v} player"),
    Category("hobbies", ("chess", "hiking", "knitting", "pottery", "archery", "baking", "rowing", "fencing", "birding"),
             "the person who enjoys {v}"),
)
KIND_WEIGHTS = {"same": 1, "differ": 3, "earlier": 2, "next": 1, "pair": 1, "either": 2}

Entity = tuple[str, str]  # (category, value)


@dataclass
class LogicPuzzle:
    ordered: OrderedCategory
    categories: list[Category]
    values: dict[str, list[str]]  # category -> values (ordered category in order)
    rows: list[dict[str, str]]  # the solution, row by row

    def row_of(self, entity: Entity) -> int:
        category, value = entity
        return next(i for i, row in enumerate(self.rows) if row[category] == value)

    def describe(self, entity: Entity) -> str:
        category, value = entity
        if category == self.ordered.name:
            return self.ordered.describe.format(v=value)
        template = next(c.describe for c in self.categories if c.name == category)
        return template.format(v=value)


def clue_holds(clue: dict, row_of: Callable[[Entity], int]) -> bool:
    """Whether a clue (as data) is true when each entity sits in row row_of(entity)."""
    return rows_hold(clue["kind"], [row_of(tuple(entity)) for entity in clue["entities"]])


def rows_hold(kind: str, rows: list[int]) -> bool:
    """Whether a clue of this kind is true for its entities' rows (in the clue's entity order)."""
    if kind == "same":
        return rows[0] == rows[1]
    if kind == "differ":
        return rows[0] != rows[1]
    if kind == "earlier":
        return rows[0] < rows[1]
    if kind == "next":
        return rows[0] == rows[1] + 1
    if kind == "pair":
        return rows[0] != rows[1] and {rows[0], rows[1]} == {rows[2], rows[3]}
    if kind == "either":
        return rows[2] in (rows[0], rows[1]) and rows[0] != rows[1]
    raise ValueError(f"unknown clue kind {kind}")


def clue_text(puzzle: LogicPuzzle, clue: dict) -> str:
    names = [puzzle.describe(tuple(entity)) for entity in clue["entities"]]
    kind = clue["kind"]
    if kind == "same":
        text = f"{names[0]} is {names[1]}."
    elif kind == "differ":
        text = f"{names[0]} is not {names[1]}."
    elif kind == "earlier":
        text = puzzle.ordered.earlier.format(a=names[0], b=names[1]) + "."
    elif kind == "next":
        text = puzzle.ordered.one_step_later.format(a=names[0], b=names[1]) + "."
    elif kind == "pair":
        text = f"Of {names[0]} and {names[1]}, one is {names[2]} and the other is {names[3]}."
    else:
        text = f"Either {names[0]} or {names[1]} is {names[2]}."
    return text[0].upper() + text[1:]


def _random_clue(rng: random.Random, puzzle: LogicPuzzle) -> dict | None:
    """A random true clue, or None when the drawn shape does not fit (the caller draws again)."""
    kind = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
    all_categories = [puzzle.ordered.name] + [c.name for c in puzzle.categories]
    size = len(puzzle.rows)

    def entity(row: int, category: str) -> list[str]:
        return [category, puzzle.rows[row][category]]

    if kind in ("same", "differ"):
        first, second = rng.sample(all_categories, 2)
        row = rng.randrange(size)
        other = row if kind == "same" else rng.choice([r for r in range(size) if r != row])
        entities = [entity(row, first), entity(other, second)]
    elif kind in ("earlier", "next"):
        if kind == "earlier":
            low, high = sorted(rng.sample(range(size), 2))
        else:
            low = rng.randrange(size - 1)
            high = low + 1
        first, second = rng.choice(all_categories[1:]), rng.choice(all_categories[1:])
        entities = [entity(low, first), entity(high, second)] if kind == "earlier" else [entity(high, first), entity(low, second)]
    elif kind == "pair":
        row_a, row_b = rng.sample(range(size), 2)
        first, second, third = rng.sample(all_categories, 3)
        paired = [entity(row_a, third), entity(row_b, third)]
        rng.shuffle(paired)
        entities = [entity(row_a, first), entity(row_b, second), *paired]
    else:
        first, second = rng.sample(all_categories, 2)
        row_a, row_b = rng.sample(range(size), 2)
        entities = [entity(row_a, first), entity(row_b, first), entity(row_a, second)]
    clue = {"kind": kind, "entities": entities}
    return clue if clue_holds(clue, puzzle.row_of) else None


def uniqueness_prover(puzzle: LogicPuzzle) -> UniquenessProver:
    """The generator's uniqueness test for this puzzle (logic_solver.py): exact, and fast because it
    knows the puzzle's structure and remembers the other solutions it has found."""
    ordered = puzzle.ordered.name
    fixed = {(ordered, value): row for row, value in enumerate(puzzle.values[ordered])}
    solver = LogicSolver(len(puzzle.rows), [(c.name, puzzle.values[c.name]) for c in puzzle.categories], fixed, rows_hold)
    hidden = {(c.name, row[c.name]): number for number, row in enumerate(puzzle.rows) for c in puzzle.categories}
    return UniquenessProver(solver, hidden)


def count_solutions(puzzle: LogicPuzzle, clues: list[dict], limit: int = 2) -> int:
    """How many assignments satisfy the clues, counting no further than `limit`, by a general
    constraint solver (python-constraint2): the independent check tests hold the generator to."""
    from constraint import AllDifferentConstraint, FunctionConstraint, Problem  # only when generating

    size = len(puzzle.rows)
    problem = Problem()
    fixed = {(puzzle.ordered.name, value): row for row, value in enumerate(puzzle.values[puzzle.ordered.name])}
    for category in puzzle.categories:
        names = [f"{category.name}={value}" for value in puzzle.values[category.name]]
        problem.addVariables(names, list(range(size)))
        problem.addConstraint(AllDifferentConstraint(), names)
    for clue in clues:
        variables = sorted({f"{c}={v}" for c, v in map(tuple, clue["entities"]) if (c, v) not in fixed})
        problem.addConstraint(FunctionConstraint(_clue_checker(clue, variables, fixed)), variables)
    found = 0
    for _solution in problem.getSolutionIter():
        found += 1
        if found >= limit:
            break
    return found


def _clue_checker(clue: dict, variables: list[str], fixed: dict[Entity, int]) -> Callable[..., bool]:
    """The clue as a predicate over its variables' rows (the solver calls it a million times for a
    7-row puzzle, so each entity's source, a fixed row or an argument position, is resolved once)."""
    position = {name: i for i, name in enumerate(variables)}
    slots = [(fixed[entity], -1) if entity in fixed else (0, position[f"{entity[0]}={entity[1]}"])
             for entity in map(tuple, clue["entities"])]
    kind = clue["kind"]

    def check(*rows: int) -> bool:
        return rows_hold(kind, [rows[i] if i >= 0 else row for row, i in slots])

    return check


def make_logic_puzzle(rng: random.Random, level: str, tag: str) -> tuple[dict, list[dict], list[dict]]:
    """(record, gold rows, clues as data) for a fresh puzzle with exactly one solution."""
    size = LEVEL_SIZES[level]
    ordered = rng.choice(ORDERED)
    categories = rng.sample(CATEGORIES, 3)
    values = {ordered.name: ordered.values(rng, size)}
    for category in categories:
        values[category.name] = sorted(rng.sample(category.pool, size))
    columns = {category.name: rng.sample(values[category.name], size) for category in categories}
    rows = [
        {ordered.name: values[ordered.name][i], **{c.name: columns[c.name][i] for c in categories}}
        for i in range(size)
    ]
    puzzle = LogicPuzzle(ordered, list(categories), values, rows)

    prover = uniqueness_prover(puzzle)
    clues: list[dict] = []
    seen: set[str] = set()
    for _ in range(MAX_CANDIDATE_CLUES):
        clue = _random_clue(rng, puzzle)
        if clue is None or json.dumps(clue) in seen:
            continue
        seen.add(json.dumps(clue))
        clues.append(clue)
        if prover.unique(clues):
            break
    else:
        raise RuntimeError(f"no unique logic puzzle after {MAX_CANDIDATE_CLUES} candidate clues")

    for clue in rng.sample(clues, len(clues)):
        if prover.unique_without(clues, clue):
            clues = [c for c in clues if c is not clue]
    rng.shuffle(clues)

    clue_texts = {str(i + 1): clue_text(puzzle, clue) for i, clue in enumerate(clues)}
    blank = [{name: (row[name] if name == ordered.name else "____") for name in row} for row in rows]
    example = json.dumps({"variables": values, "clues": clue_texts}, indent=4)
    record = {
        "tag": tag,
        "value": values,
        "clue": clue_texts,
        "example_text": (
            f"Logic puzzle (each value of each category belongs to exactly one row):\n{example}\n\n"
            f"Fill in every ____ of this table with your solution:\n{json.dumps(blank, indent=4)}"
        ),
    }
    return record, rows, clues
