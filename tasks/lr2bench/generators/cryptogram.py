"""Fresh cryptograms in LR2Bench's record and answer format, over project-written quotations.

Record: {"tag", "text" (cipher text, upper case), "author", "hints" (["X decodes to E.", ...]),
"mapping" (cipher letter -> plain letter), "example_text"}; gold = the mapping restricted to the
letters of the text, as in answer.json. The cipher is a random derangement of A-Z (no letter stands
for itself). Levels (our definition; the original easy/hard differ in ways the data does not
state): easy = 3 hint letters shown in the puzzle, hard = no hints shown.
"""

from __future__ import annotations

import random
import string
from collections import Counter

from tasks.lr2bench.generators.text import make_author, make_quotation

QUOTE_CHARS = {"easy": (60, 120), "hard": (90, 160)}
N_HINTS = 3


def random_derangement(rng: random.Random) -> dict[str, str]:
    """plain letter -> cipher letter, a permutation of A-Z with no fixed point."""
    letters = list(string.ascii_uppercase)
    while True:
        shuffled = letters[:]
        rng.shuffle(shuffled)
        if all(a != b for a, b in zip(letters, shuffled)):
            return dict(zip(letters, shuffled))


def encrypt(plain: str, cipher: dict[str, str]) -> str:
    return "".join(cipher.get(char, char) for char in plain.upper())


def make_cryptogram(rng: random.Random, level: str, tag: str) -> tuple[dict, dict[str, str]]:
    """(record, gold mapping) for one fresh cryptogram."""
    low, high = QUOTE_CHARS[level]
    plain = make_quotation(rng, low, high)
    author = make_author(rng)
    cipher = random_derangement(rng)
    text = encrypt(plain, cipher)
    decode = {cipher[p]: p for p in sorted({c for c in plain.upper() if c in cipher})}
    frequent = [letter for letter, _ in Counter(c for c in text if c in decode).most_common()]
    hints = [f"{letter} decodes to {decode[letter]}." for letter in frequent[:N_HINTS]]
    lines = ["Solve this cryptogram (each letter stands for a different letter):", text, f"— {author}"]
    if level == "easy":
        lines += ["", "Hints:", *hints]
    record = {
        "tag": tag,
        "text": text,
        "author": author,
        "hints": hints,
        "mapping": dict(decode),
        "example_text": "\n".join(lines),
    }
    return record, dict(decode)
