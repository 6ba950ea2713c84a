"""Fictitious-facts probes: one sample per line of each selected test file.

A sample's id is "{file stem}/{line}" (0-based line), e.g. "p2d_reverse_prompts_test/17", so
predictions made elsewhere can be scored by id. Its target is the line's completion, cut to the
first two words when it is a name. A reverse probe also carries `randomized_target`, the completion
on the same line of the *_randomized control file (same prompt), for the paired likelihood test.
Samples interleave the files line by line, so `--limit N` sees every split (and, for generated data,
one paraphrase of every person before the second).
"""

from __future__ import annotations

import copy
from functools import lru_cache

from harness.core.errors import HarnessError, did_you_mean
from harness.core.types import Sample
from tasks.reversal.fictitious_config import FictitiousConfig
from tasks.reversal.layout import (
    NAME_TARGETS,
    TEST_STEMS,
    Layout,
    randomized_stem,
    read_layout,
    stem_direction,
    stem_group,
)
from tasks.reversal.matching import first_two_words, looks_like_name_target


def is_name_target(stem: str, completion: str) -> bool:
    known = NAME_TARGETS.get(stem)
    return looks_like_name_target(completion) if known is None else known


def probe_sample(stem: str, line: int, row: dict, cfg: FictitiousConfig) -> Sample:
    name_target = is_name_target(stem, row["completion"])
    target = first_two_words(row["completion"]) if (name_target and cfg.cut_names) else row["completion"]
    return {
        "id": f"{stem}/{line}",
        "split": stem,
        "line": line,
        "group": stem_group(stem),
        "direction": stem_direction(stem),
        "prompt": row["prompt"],
        "completion": row["completion"],
        "target": target,
        "target_is_name": name_target,
    }


def _attach_randomized(sample: Sample, layout: Layout, cfg: FictitiousConfig) -> None:
    partner = randomized_stem(sample["split"])
    rows = layout.get(partner) if partner else None
    if not rows:
        return
    line = sample["line"]
    if line >= len(rows) or rows[line]["prompt"] != sample["prompt"]:
        raise HarnessError(
            f"{partner}.jsonl line {line} does not repeat the prompt of {sample['split']}.jsonl line {line};"
            " the randomized control must have the same prompts in the same order"
        )
    control = probe_sample(str(partner), line, rows[line], cfg)
    sample["randomized_target"] = control["target"]


def spread_order(n_lines: int, per_fact: int) -> list[int]:
    """Line numbers with each fact's first paraphrase first: facts sit in blocks of `per_fact`
    lines, so taking the first N probes of a generated set covers N people, not N/10."""
    return sorted(range(n_lines), key=lambda line: (line % per_fact, line // per_fact))


def probes_from_layout(layout: Layout, cfg: FictitiousConfig, per_fact: int = 1) -> list[Sample]:
    """Samples of the selected test files present in the layout, interleaved file by file; with
    per_fact > 1 (generated data, where it is known) each file is also read fact by fact."""
    unknown = [stem for stem in cfg.splits if stem not in layout and stem not in TEST_STEMS]
    if unknown:
        choices = sorted(set(layout) | set(TEST_STEMS))
        raise HarnessError(
            f"split '{unknown[0]}' is neither a test file of the layout nor in the data"
            f"{did_you_mean(unknown[0], choices)}; the data has: {', '.join(sorted(layout))}"
        )
    stems = [stem for stem in cfg.splits if stem in layout]  # standard files a folder lacks are skipped
    if not stems:
        raise HarnessError(
            f"none of the selected splits ({', '.join(cfg.splits)}) is in the data; it has: {', '.join(sorted(layout))}"
        )
    orders = {stem: spread_order(len(layout[stem]), per_fact) for stem in stems}
    samples: list[Sample] = []
    for position in range(max(len(order) for order in orders.values())):
        for stem in stems:
            if position < len(orders[stem]):
                line = orders[stem][position]
                sample = probe_sample(stem, line, layout[stem][line], cfg)
                _attach_randomized(sample, layout, cfg)
                samples.append(sample)
    return samples


def files_to_read(cfg: FictitiousConfig) -> tuple[str, ...]:
    partners = tuple(p for p in (randomized_stem(s) for s in cfg.splits) if p)
    return tuple(dict.fromkeys(cfg.splits + partners))


def load_fictitious(source: str, cfg: FictitiousConfig) -> list[Sample]:
    """Probes from a directory in the original layout (or one of its .jsonl files)."""
    return probes_from_layout(read_layout(source, files_to_read(cfg)), cfg)


def pick_generated(samples: tuple[Sample, ...], index: int, what: str) -> Sample:
    if not 0 <= index < len(samples):
        raise HarnessError(
            f"the generated {what} set has {len(samples)} probes (index {index} asked); raise"
            " --set people_per_group=... or test_paraphrases=..., or ask for fewer samples"
        )
    return copy.deepcopy(samples[index])


def generate_fictitious(cfg: FictitiousConfig, seed: int, index: int) -> Sample:
    """Probe `index` of the dataset generated for `seed` (deterministic per (seed, index))."""
    return pick_generated(_generated_probes(cfg, seed), index, "fictitious-facts")


@lru_cache(maxsize=8)
def _generated_probes(cfg: FictitiousConfig, seed: int) -> tuple[Sample, ...]:
    """Every probe of the generated dataset, built once per (cfg, seed); callers copy what they take."""
    from tasks.reversal.fact_generator import generate_layout

    return tuple(probes_from_layout(generate_layout(cfg, seed), cfg, per_fact=cfg.test_paraphrases))
