"""Fresh traces with exact gold (mistake-finding-generated): deterministic per (seed, index).

Sample i covers the configuration's tasks in turn (word sorting, multistep arithmetic, Dyck
languages); a share ``mistake_share`` of traces gets one mistake at a uniformly chosen place (see
each trace module for what a mistake is), the rest are correct. The sample has the original
files' fields (input, steps, answer, target, mistake_index: 0-based, None = no mistake) plus what
made the mistake (``fault``), so generated and original traces are read, prompted and scored alike.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

from harness.core.types import Sample
from tasks.mistake_finding import trace_arithmetic, trace_dyck, trace_word_sorting
from tasks.mistake_finding.config import MistakeFindingConfig
from tasks.mistake_finding.prompt_files import prompt_fields

# (question, steps, answer, target, fault or None)
Made = tuple[str, list[str], str, str, Any]


def generate_mistake_trace(cfg: MistakeFindingConfig, seed: int, index: int) -> Sample:
    source_task = cfg.tasks[index % len(cfg.tasks)]
    rng = random.Random(f"mistake-finding/{seed}/{index}")
    with_mistake = rng.random() < cfg.mistake_share
    maker = {"multistep_arithmetic": _arithmetic, "word_sorting": _word_sorting, "dyck_languages": _dyck}[source_task]
    question, steps, answer, target, fault = maker(cfg, rng, with_mistake)
    return {
        "id": f"mf-{source_task}-{seed}-{index}",
        "source_task": source_task,
        "input": question,
        "steps": steps,
        "answer": answer,
        "target": target,
        "mistake_index": fault.step if fault is not None else None,
        "fault": dataclasses.asdict(fault) if fault is not None else None,
        **prompt_fields(cfg.prompts, None),
    }


def _arithmetic(cfg: MistakeFindingConfig, rng: random.Random, with_mistake: bool) -> Made:
    problem = trace_arithmetic.make_problem(rng, cfg.arithmetic_depth, cfg.min_terms, cfg.max_terms)
    fault = trace_arithmetic.random_fault(problem, rng) if with_mistake else None
    steps, answer = trace_arithmetic.trace(problem, fault)
    return problem.text, steps, str(answer), str(trace_arithmetic.solve(problem)), fault


def _word_sorting(cfg: MistakeFindingConfig, rng: random.Random, with_mistake: bool) -> Made:
    words = trace_word_sorting.pick_words(rng, rng.randint(cfg.min_words, cfg.max_words))
    fault = trace_word_sorting.random_fault(words, rng) if with_mistake else None
    steps, answer = trace_word_sorting.trace(words, fault)
    return " ".join(words), steps, answer, " ".join(sorted(words)), fault


def _dyck(cfg: MistakeFindingConfig, rng: random.Random, with_mistake: bool) -> Made:
    symbols = trace_dyck.make_prefix(rng, rng.randint(cfg.min_brackets, cfg.max_brackets))
    fault = trace_dyck.random_fault(symbols, rng) if with_mistake else None
    steps, answer = trace_dyck.trace(symbols, fault)
    return " ".join(symbols), steps, answer, trace_dyck.trace(symbols)[1], fault
