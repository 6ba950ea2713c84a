"""Pronounceable nonsense names for the variables of generated causal models ("Blorf", "Zikla").

CounterBench uses invented names so that a model cannot answer from world knowledge. Names are
built from a fixed syllable inventory (one closed syllable, or two open-ending syllables) and
every candidate that is a real word is removed: `real_words.txt` lists the inventory's members
found in a ~30k-word English vocabulary (the SmolLM2 tokenizer's whole-word tokens plus faker's
en_US word and person-name lists); `tests/test_counterbench_names.py` recomputes that list when
those sources are installed. The inventory and blocklist are fixed in the repository, so a seed
gives the same names everywhere, whatever is installed.
"""

from __future__ import annotations

import random
from functools import lru_cache
from pathlib import Path

ONSETS = tuple("b d f g k l m n p r s t v z j bl br dr fl fr gl gr kl kr pl pr sk sl sn sp st tr vr zl".split())
VOWELS = tuple("a e i o u".split())
CODAS = tuple("b d f g k l m n p s t v z rk rn rf rb lk lf mp nk nt sk".split())  # one-syllable names
MIDDLES = tuple("b d g k l m n p r s t v z mb nd lk rk kl tr nk".split())  # between two syllables
ENDINGS = tuple("a o i u".split())
MIN_LENGTH = 4  # three-letter syllables are too often real words ("bad", "fog")
BLOCKLIST_FILE = Path(__file__).with_name("real_words.txt")


def candidate_names() -> list[str]:
    """Every name the syllable inventory can form, lower-case, sorted (before removing real words)."""
    one_syllable = (o + v + c for o in ONSETS for v in VOWELS for c in CODAS)
    two_syllables = (o + v + m + e for o in ONSETS for v in VOWELS for m in MIDDLES for e in ENDINGS)
    return sorted({name for name in (*one_syllable, *two_syllables) if len(name) >= MIN_LENGTH})


@lru_cache(maxsize=1)
def real_words() -> frozenset[str]:
    lines = BLOCKLIST_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def nonsense_names() -> tuple[str, ...]:
    """The usable names: capitalised, sorted, real words removed."""
    blocked = real_words()
    return tuple(name.capitalize() for name in candidate_names() if name not in blocked)


def draw_names(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct nonsense names drawn with the caller's seeded generator."""
    pool = nonsense_names()
    if count > len(pool):
        raise ValueError(f"cannot draw {count} distinct names from {len(pool)}")
    return rng.sample(pool, count)
