"""Seeded generator of a fresh fictitious-facts dataset in the original file layout.

For a seed it invents people_per_group people per group (p2d, d2p, both), each with a unique
two-word name (Faker, fixed locale, seeded instance) and a unique description built from
fact_templates. Each fact is written with train_paraphrases training templates and
test_paraphrases held-out test templates, then arranged exactly as the paper's files are:
training files per group (+ all_prompts_train), same-direction and reverse test files (name targets
cut to two words, as upstream), and the randomized controls (same prompts, another fact's completion
in the same template: a control differs from the correct completion only in the name or description).
The same (seed, config) always gives byte-identical files: every random choice comes from
random.Random seeded with a string, never the global RNG.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from tasks.reversal.fact_templates import (
    ADJECTIVES,
    D2P_TEST,
    D2P_TRAIN,
    P2D_TEST,
    P2D_TRAIN,
    PLACE_ENDINGS,
    PLACE_ONSETS,
    ROLES_AND_DEEDS,
    WORK_ADJECTIVES,
    WORK_NOUNS,
)
from tasks.reversal.fictitious_config import FictitiousConfig
from tasks.reversal.layout import GROUPS, Layout, Row
from tasks.reversal.matching import first_two_words

MAX_DRAWS = 10_000


@dataclass(frozen=True)
class Fact:
    name: str
    description: str


def fictitious_names(count: int, seed: int, locale: str = "en_US") -> list[str]:
    """`count` distinct "First Last" names; first and last names are never reused, so no name is a
    prefix of another and every name is exactly two words."""
    from faker import Faker  # imported here: `harness list` must not pay for it

    faker = Faker(locale)
    faker.seed_instance(f"reversal-fictitious/{seed}/names")
    names: list[str] = []
    firsts: set[str] = set()
    lasts: set[str] = set()
    for _ in range(MAX_DRAWS):
        first, last = faker.first_name(), faker.last_name()
        if len(first.split()) != 1 or len(last.split()) != 1 or first in firsts or last in lasts:
            continue
        firsts.add(first)
        lasts.add(last)
        names.append(f"{first} {last}")
        if len(names) == count:
            return names
    raise ValueError(f"Faker locale {locale} gave fewer than {count} distinct names; lower people_per_group")


def fictitious_descriptions(count: int, seed: int) -> list[str]:
    """`count` distinct descriptions; every role/deed pair is used once before any is reused."""
    rng = random.Random(f"reversal-fictitious/{seed}/descriptions")
    cores = [(role, deed) for role, deeds in ROLES_AND_DEEDS for deed in deeds]
    descriptions: list[str] = []
    seen: set[str] = set()
    order: list[tuple[str, str]] = []
    for _ in range(MAX_DRAWS):
        if not order:
            order = cores[:]
            rng.shuffle(order)
        role, deed = order.pop()
        place = rng.choice(PLACE_ONSETS) + rng.choice(PLACE_ENDINGS)
        work = f"the {rng.choice(WORK_ADJECTIVES)} {rng.choice(WORK_NOUNS)}"
        description = f"the {rng.choice(ADJECTIVES)} {role} who {deed.format(place=place, work=work)}"
        if description not in seen:
            seen.add(description)
            descriptions.append(description)
            if len(descriptions) == count:
                return descriptions
    raise ValueError(f"could not make {count} distinct descriptions")  # pragma: no cover


def fill_template(template: str, fact: Fact, name_first: bool) -> Row:
    """Split a filled template into prompt/completion the way the paper's files are split: the
    completion starts (with its space) at the description (name_first) or at the name."""
    slot = "{description}" if name_first else "{name}"
    split_at = template.index(slot) - 1
    if template[split_at] != " ":
        raise ValueError(f"template needs a space before {slot}: {template!r}")

    prompt = _fill(template[:split_at], fact)
    return {"prompt": prompt[:1].upper() + prompt[1:], "completion": _fill(template[split_at:], fact)}


def _fill(text: str, fact: Fact) -> str:
    return text.replace("{name}", fact.name).replace("{description}", fact.description)


def _rows(facts: list[Fact], templates: tuple[str, ...], name_first: bool, cut_names: bool = False) -> list[Row]:
    rows = [fill_template(template, fact, name_first) for fact in facts for template in templates]
    if cut_names:
        rows = [{"prompt": r["prompt"], "completion": first_two_words(r["completion"])} for r in rows]
    return rows


def randomize_completions(rows: list[Row], per_fact: int, rng: random.Random) -> list[Row]:
    """Same prompts; each completion replaced by another fact's completion *in the same template*.

    ``rows`` are fact-major (``per_fact`` consecutive rows per fact, one per template, as ``_rows``
    writes them), so row ``f * per_fact + t`` is fact f in template t. The control of row (f, t) is
    row (f', t) for a seeded other fact f': it differs from the correct completion only in the name
    (or description), never in the template's words or punctuation, as in the original files
    (" Daphne Barrington" vs " Selena Granger"). Taking any other row instead compared
    " Kellie Strong." with " Cindy Mcdonald" whenever templates end differently, and a likelihood gap
    then measured the full stop, not the fact."""
    facts = len(rows) // per_fact
    randomized: list[Row] = []
    for index, row in enumerate(rows):
        fact, template = divmod(index, per_fact)
        other = rng.randrange(facts)
        while other == fact:  # at least two facts, so this ends
            other = rng.randrange(facts)
        randomized.append({"prompt": row["prompt"], "completion": rows[other * per_fact + template]["completion"]})
    return randomized


@lru_cache(maxsize=8)
def generate_layout(cfg: FictitiousConfig, seed: int) -> Layout:
    """All files of a fresh dataset (cached: the same (cfg, seed) is asked for once per sample).
    Callers must not mutate the result."""
    n = cfg.people_per_group
    names = fictitious_names(3 * n, seed, cfg.name_locale)
    descriptions = fictitious_descriptions(3 * n, seed)
    facts = [Fact(name, description) for name, description in zip(names, descriptions)]
    by_group = {group: facts[i * n : (i + 1) * n] for i, group in enumerate(GROUPS)}
    p2d_train, d2p_train = P2D_TRAIN[: cfg.train_paraphrases], D2P_TRAIN[: cfg.train_paraphrases]
    p2d_test, d2p_test = P2D_TEST[: cfg.test_paraphrases], D2P_TEST[: cfg.test_paraphrases]
    if cfg.test_templates == "train":  # probe on trained sentence forms (see FictitiousConfig)
        p2d_test, d2p_test = P2D_TRAIN[: cfg.test_paraphrases], D2P_TRAIN[: cfg.test_paraphrases]

    layout: Layout = {
        "p2d_prompts_train": _rows(by_group["p2d"], p2d_train, name_first=True),
        "d2p_prompts_train": _rows(by_group["d2p"], d2p_train, name_first=False),
        "both_prompts_train": _rows(by_group["both"], p2d_train, name_first=True)
        + _rows(by_group["both"], d2p_train, name_first=False),
        "p2d_prompts_test": _rows(by_group["p2d"], p2d_test, name_first=True),
        "d2p_prompts_test": _rows(by_group["d2p"], d2p_test, name_first=False, cut_names=True),
        # upstream keeps the name targets of both_prompts_test uncut; scoring cuts them
        "both_prompts_test": _rows(by_group["both"], p2d_test, name_first=True)
        + _rows(by_group["both"], d2p_test, name_first=False),
        "p2d_reverse_prompts_test": _rows(by_group["p2d"], d2p_test, name_first=False, cut_names=True),
        "d2p_reverse_prompts_test": _rows(by_group["d2p"], p2d_test, name_first=True),
    }
    layout["all_prompts_train"] = layout["p2d_prompts_train"] + layout["d2p_prompts_train"] + layout["both_prompts_train"]
    for stem in ("p2d_reverse_prompts_test", "d2p_reverse_prompts_test"):
        rng = random.Random(f"reversal-fictitious/{seed}/{stem}_randomized")
        layout[f"{stem}_randomized"] = randomize_completions(layout[stem], cfg.test_paraphrases, rng)
    return layout
