"""Fresh arithmetic word problems (arith-word): a seeded draw of a template and its numbers,
deterministic per (seed, index), with the exact answer computed from the numbers.

Every template uses three or four numbers, all written in digits, all distinct, each at least 2 and
each needed for the answer, so masking any one of them leaves a problem whose answer determines it
(FOBAR's backward check); answers are whole numbers (divisions are exact by construction) and
positive. Other constants are words ("each", "twice"), so the only digits are the numbers to mask.
The project's own templates: no benchmark text is reused.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from harness.core.types import Sample
from tasks.mathword.config import ArithWordConfig

NAMES = ("Ava", "Ben", "Chloe", "Diego", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Liam",
         "Maya", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tara")
MAX_DRAWS = 1000  # number draws per problem before the generator gives up (never reached with valid ranges)


@dataclass(frozen=True)
class Template:
    """A problem text with {name} and number slots {a} {b} {c} {d}; ``answer`` computes the exact
    answer, or None when these numbers do not make a valid problem (negative, inexact, degenerate)."""

    text: str
    slots: int
    answer: Callable[..., int | None]


def _whole(numerator: int, denominator: int) -> int | None:
    return numerator // denominator if numerator % denominator == 0 else None


def _positive(value: int | None) -> int | None:
    return value if value is not None and value > 0 else None


TEMPLATES = (
    Template("{name} has {a} boxes of pencils with {b} pencils in each box and gives away {c} pencils."
             " How many pencils does {name} have left?", 3, lambda a, b, c: _positive(a * b - c)),
    Template("A bakery sells {a} muffins in the morning and {b} muffins in the afternoon, at {c} dollars each."
             " How many dollars does the bakery take in?", 3, lambda a, b, c: (a + b) * c),
    Template("{name} reads {a} pages every day for {b} days and then {c} more pages on Sunday."
             " How many pages does {name} read in all?", 3, lambda a, b, c: a * b + c),
    Template("A farmer collects {a} eggs a day for {b} days and packs them in cartons of {c} eggs."
             " How many cartons does the farmer fill?", 3, lambda a, b, c: _whole(a * b, c)),
    Template("A hall has {a} rows of {b} chairs. {c} chairs are broken and {d} people sit on working chairs."
             " How many working chairs are still empty?", 4, lambda a, b, c, d: _positive(a * b - c - d)),
    Template("{name} earns {a} dollars an hour, works {b} hours a week for {c} weeks and then spends {d} dollars."
             " How many dollars does {name} have left?", 4, lambda a, b, c, d: _positive(a * b * c - d)),
    Template("A train travels at {a} miles an hour for {b} hours and then at {c} miles an hour for {d} hours."
             " How many miles does it travel in all?", 4, lambda a, b, c, d: a * b + c * d),
    Template("{name} buys {a} packs of stickers with {b} stickers in each pack and shares them equally among {c} friends."
             " How many stickers does each friend get?", 3, lambda a, b, c: _whole(a * b, c)),
    Template("A garden has {a} rose bushes with {b} flowers on each bush. {name} picks {c} flowers from each bush."
             " How many flowers are left in the garden?", 3, lambda a, b, c: _positive(a * (b - c))),
    Template("{name} has {a} dollars and buys {b} books that cost {c} dollars each."
             " How many dollars does {name} have left?", 3, lambda a, b, c: _positive(a - b * c)),
)


def generate_arith_word(cfg: ArithWordConfig, seed: int, index: int) -> Sample:
    rng = random.Random(f"arith-word/{seed}/{index}")
    template = rng.choice(TEMPLATES)
    name = rng.choice(NAMES)
    for _ in range(MAX_DRAWS):
        numbers = rng.sample(range(cfg.min_number, cfg.max_number + 1), template.slots)
        answer = template.answer(*numbers)
        if answer is not None and answer not in numbers:
            slots = dict(zip("abcd", numbers))
            return {"id": f"arith-word/{seed}/{index}", "question": template.text.format(name=name, **slots),
                    "answer": str(answer), "numbers": numbers, "template": TEMPLATES.index(template)}
    raise RuntimeError(f"no valid problem in {MAX_DRAWS} draws; widen min_number..max_number")  # pragma: no cover
