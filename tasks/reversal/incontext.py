"""In-context reversal: the fictitious probes, with the facts stated in the prompt.

Each probe of the fictitious layout gets a `facts` list: the probed fact as the training data states
it (the first line of the group's *_prompts_train file that mentions the person; for the "both" group
the first in each direction) plus `distractors` other facts of the same group, in a seeded order.
A model that answers reverse probes here but not after fine-tuning can reverse a relation it reads,
just not one it has stored: the paper's "cannot reverse a stored fact" vs "cannot reverse at all".
"""

from __future__ import annotations

import random
from functools import lru_cache

from harness.core.errors import HarnessError
from harness.core.types import Request, Sample
from tasks.reversal.fictitious_config import IncontextConfig
from tasks.reversal.fictitious_prompts import probe_request
from tasks.reversal.fictitious_samples import is_name_target, pick_generated, probe_sample, probes_from_layout
from tasks.reversal.layout import GROUPS, TEST_STEMS, TRAIN_STEMS, Layout, read_layout, stem_group
from tasks.reversal.matching import first_two_words

# Where each group's names are listed (as targets), for the error message when they are missing.
NAME_SOURCES = {"p2d": "p2d_reverse_prompts_test", "d2p": "d2p_prompts_test", "both": "both_prompts_test"}
INSTRUCTION = (
    "Read the facts below. Then continue the text that follows them, using the facts."
    " Reply with the continuation only; do not repeat the text."
)


def names_by_group(layout: Layout) -> dict[str, list[str]]:
    """Every person's name, per group, from the test files whose targets are names."""
    names: dict[str, dict[str, None]] = {group: {} for group in GROUPS}
    for stem, rows in layout.items():
        group = stem_group(stem)
        if group not in names or stem not in TEST_STEMS or stem.endswith("_randomized"):
            continue
        for row in rows:
            if is_name_target(stem, row["completion"]):
                names[group][first_two_words(row["completion"]).strip()] = None
    return {group: list(found) for group, found in names.items()}


def fact_statements(layout: Layout, group: str, name: str) -> list[str]:
    """How the group's training file states the person's fact: its first line naming them
    (for "both", the first name-first line and the first name-last line)."""
    rows = layout.get(f"{group}_prompts_train")
    if rows is None:
        raise HarnessError(f"in-context probes of group {group} need {group}_prompts_train.jsonl in --data")
    name_first = next((r for r in rows if name in r["prompt"]), None)
    name_last = next((r for r in rows if r["completion"].lstrip().startswith(name)), None)
    chosen = [name_first, name_last] if group == "both" else [name_first or name_last]
    statements = [(row["prompt"] + row["completion"]).strip() for row in chosen if row is not None]
    if not statements:
        raise HarnessError(f"{group}_prompts_train.jsonl never mentions {name}; cannot state the fact in context")
    return statements


def probed_name(sample: Sample, names: list[str], layout: Layout, cfg: IncontextConfig) -> str:
    """The person a probe is about: the name target, else the known name in its prompt; a
    randomized control is about the person of the reverse probe on the same line."""
    if sample["direction"] == "randomized":
        twin_stem = sample["split"].removesuffix("_randomized")
        twin_rows = layout.get(twin_stem, [])
        if sample["line"] < len(twin_rows):
            twin = probe_sample(twin_stem, sample["line"], twin_rows[sample["line"]], cfg)
            return probed_name(twin, names, layout, cfg)
    elif sample["target_is_name"]:
        return first_two_words(sample["completion"]).strip()
    mentioned = [name for name in names if name in sample["prompt"]]
    if not mentioned:
        raise HarnessError(
            f"probe {sample['id']}: cannot tell which person it is about: no known name in its prompt (names"
            f" come from the test files with name targets; for group {sample['group']} give"
            f" {NAME_SOURCES[sample['group']]}.jsonl in --data)"
        )
    return max(mentioned, key=len)


def attach_facts(samples: list[Sample], layout: Layout, cfg: IncontextConfig) -> list[Sample]:
    names = names_by_group(layout)
    statements: dict[tuple[str, str], list[str]] = {}
    for sample in samples:
        group = sample["group"]
        if group not in names:
            raise HarnessError(f"in-context probes come from p2d/d2p/both test files; '{sample['split']}' is none of them")
        person = probed_name(sample, names[group], layout, cfg)
        others = [name for name in names[group] if name != person]
        rng = random.Random(f"reversal-incontext/{sample['id']}")
        chosen = [person] + rng.sample(others, min(cfg.distractors, len(others)))
        facts = []
        for name in chosen:
            if (group, name) not in statements:
                statements[(group, name)] = fact_statements(layout, group, name)
            facts.extend(statements[(group, name)])
        rng.shuffle(facts)
        sample["person"] = person
        sample["facts"] = facts
    return samples


def incontext_probes(layout: Layout, cfg: IncontextConfig, per_fact: int = 1) -> list[Sample]:
    return attach_facts(probes_from_layout(layout, cfg, per_fact), layout, cfg)


def load_incontext(source: str, cfg: IncontextConfig) -> list[Sample]:
    """Probes from a directory in the original layout; it needs the train files too."""
    return incontext_probes(read_layout(source, TEST_STEMS + TRAIN_STEMS), cfg)


def generate_incontext(cfg: IncontextConfig, seed: int, index: int) -> Sample:
    return pick_generated(_generated_incontext(cfg, seed), index, "in-context")


@lru_cache(maxsize=8)
def _generated_incontext(cfg: IncontextConfig, seed: int) -> tuple[Sample, ...]:
    from tasks.reversal.fact_generator import generate_layout

    return tuple(incontext_probes(generate_layout(cfg, seed), cfg, per_fact=cfg.test_paraphrases))


def incontext_text(sample: Sample) -> str:
    """The plain-text form: the facts, a blank line, then the probe to continue."""
    return "\n".join(sample["facts"]) + "\n\n" + sample["prompt"]


def build_incontext_request(cfg: IncontextConfig, sample: Sample) -> Request:
    facts = "\n".join(f"- {fact}" for fact in sample["facts"])
    chat_content = f"{INSTRUCTION}\n\nFacts:\n{facts}\n\nText to continue:\n{sample['prompt']}"
    return probe_request(cfg, incontext_text(sample), chat_content, sample)
