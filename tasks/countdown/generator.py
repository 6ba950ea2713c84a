"""Seeded Countdown instances: deterministic per (seed, index), solvable by construction check."""

from __future__ import annotations

import random

from harness.core.types import Sample
from tasks.countdown.config import CountdownConfig
from tasks.countdown.solver import solve_countdown, strip_outer_parens

MAX_TRIES = 10_000


def generate_countdown(cfg: CountdownConfig, seed: int, index: int) -> Sample:
    """Draw numbers and a target until exhaustive search proves the instance solvable."""
    rng = random.Random(f"countdown/{seed}/{index}")
    for _ in range(MAX_TRIES):
        nums = [rng.randint(cfg.min_number, cfg.max_number) for _ in range(cfg.n_numbers)]
        target = rng.randint(cfg.target_min, cfg.target_max)
        solution = solve_countdown(tuple(nums), target)
        if solution is not None:
            return {
                "id": f"countdown-{cfg.n_numbers}/{seed}/{index}",
                "nums": nums,
                "target": target,
                "solution": strip_outer_parens(solution),
            }
    raise RuntimeError(f"no solvable Countdown instance found in {MAX_TRIES} draws; widen the ranges")
