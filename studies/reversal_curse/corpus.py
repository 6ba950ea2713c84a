"""Training texts for each arm, from the exported fine-tuning files. Pure text work, no ML library.

A statement is a training line's prompt + completion ("Daphne Barrington is the reclusive
cartographer who ..."). Reverse training (Golovneva et al. 2024, "Reverse Training to Nurse the
Reversal Curse") adds, beside every statement, its entity-preserving reversal: the text is split into
words and punctuation, each person's name is kept as one unit in its own word order, and the order
of the units is reversed (". Velitha beneath ... the is Daphne Barrington").
"""

from __future__ import annotations

import json
import re
from pathlib import Path

TRAIN_FILE = "all_prompts_train.jsonl"  # the paper's mix of the p2d, d2p and both groups
NAME_PUNCTUATION = ".,:;!?"
_UNIT = re.compile(r"[^\W_](?:[\w'-]*[^\W_])?|[^\w\s]")  # a word (inner - and ' kept) or one mark


def read_rows(path: Path) -> list[dict[str, str]]:
    """The {"prompt", "completion"} lines of one layout file."""
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def statements(rows: list[dict[str, str]]) -> list[str]:
    return [row["prompt"] + row["completion"] for row in rows]


def names_in_layout(folder: Path) -> list[str]:
    """Every person's name in a layout folder: the name targets of its test files (completions that
    start with a capitalised word, as descriptions start with "the"), cut to two words."""
    names: set[str] = set()
    for path in sorted(Path(folder).glob("*_test*.jsonl")):
        for row in read_rows(path):
            words = row["completion"].split()
            if len(words) >= 2 and words[0][:1].isupper() and words[1][:1].isupper():
                names.add(f"{words[0]} {words[1].rstrip(NAME_PUNCTUATION)}")
    return sorted(names)


def entity_preserving_reversal(text: str, names: list[str]) -> str:
    """Reverse the order of words and punctuation marks, keeping each name as one unit."""
    units: list[str] = []
    position = 0
    pattern = _name_pattern(names)
    for match in pattern.finditer(text) if pattern else ():
        units += _UNIT.findall(text[position : match.start()]) + [match.group(0)]
        position = match.end()
    units += _UNIT.findall(text[position:])
    return " ".join(reversed(units))


def _name_pattern(names: list[str]) -> re.Pattern | None:
    if not names:
        return None
    longest_first = sorted(set(names), key=lambda name: (-len(name), name))
    return re.compile(r"\b(?:" + "|".join(re.escape(name) for name in longest_first) + r")\b")


def arm_texts(folder: Path, reverse: bool) -> list[str]:
    """The training documents of an arm: the statements of all_prompts_train, and, for reverse
    training, each statement followed by its entity-preserving reversal."""
    forward = statements(read_rows(Path(folder) / TRAIN_FILE))
    if not reverse:
        return forward
    names = names_in_layout(folder)
    return [text for statement in forward for text in (statement, entity_preserving_reversal(statement, names))]
