"""The keyword detector's literal prefilter (harness/parsing/literal_prefilter.py) never changes a
match: every pattern's required literals are in every text it matches, the case folding agrees with
IGNORECASE on every code point, and the prefiltered alternations find exactly the matches of the
plain ones on the labelled set, the bench's traces and generated texts."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.parsing import traces
from harness.parsing.literal_prefilter import PrefilteredAlternation, folded, required_literals

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))


def plain_starts(text: str) -> dict[str, list[int]]:
    """What the detector found before the prefilter: each behaviour's whole alternation."""
    clipped = text[:traces.MAX_TRACE_CHARS]
    return {name: [m.start() for m in pattern.finditer(clipped)] for name, pattern in traces._COMPILED.items()}


def prefiltered_starts(text: str) -> dict[str, list[int]]:
    clipped = text[:traces.MAX_TRACE_CHARS]
    lowered = folded(clipped)
    return {name: alternation.starts(clipped, lowered) for name, alternation in traces._prefiltered().items()}


def literal_chars() -> set[str]:
    return {ch for alternation in traces._prefiltered().values() for needed in alternation.literals if needed
            for literal in needed for ch in literal}


def corpus() -> list[str]:
    """The labelled set, the traces bench/scale.py and the report fixtures write, and their mixes."""
    from scale import TRACE, completions

    from harness.core.registry import get_task
    from harness.pipeline.samples import select_samples
    from tests.report_fixtures import reasoning_trace

    texts = [str(item["text"]) for name in traces.LABEL_SETS for item in traces.labelled_examples(name)]
    countdown = select_samples(get_task("countdown"), seed=0, limit=20, data=None)
    texts += [text for index, sample in enumerate(countdown) for text in completions(sample, 4, index)]
    texts += [reasoning_trace(sample, chars) for sample in countdown[:5] for chars in (0, 400, 1500)]
    texts += [TRACE, " ".join(texts[:40]), "\n".join(texts[40:120]), texts[3].upper(), texts[5].swapcase()]
    return texts


def test_required_literals_read_the_parse_tree_soundly():
    assert required_literals(r"\bbacktrack") == {"backtrack"}
    assert required_literals(r"(?:a|b)?cd") == {"cd"}
    assert required_literals(r"x*") is None and required_literals(r"\d+") is None
    assert required_literals(r"(?<=abc)d") == {"d"}  # a lookbehind requires nothing of the match
    assert required_literals(r"\b(?:This|That) works") == {" works"}
    assert required_literals(r"(?:ab|cd)+") == {"ab", "cd"} and required_literals(r"(?:ab|c?)x") == {"x"}
    assert required_literals(r"[✓✔]") == {"✓", "✔"} and required_literals(r"[a-z]") is None
    assert required_literals("(unbalanced") is None  # unreadable: no filter, never a guess
    assert all(needed for alternation in traces._prefiltered().values() for needed in alternation.literals)


def test_folding_agrees_with_ignorecase_on_every_code_point():
    everything = "".join(chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000)
    for ch in sorted(literal_chars()):
        for match in re.finditer(re.escape(ch), everything, re.IGNORECASE):
            assert folded(match.group()) == ch, (ch, hex(ord(match.group())))


def test_every_match_holds_one_of_its_patterns_literals():
    for text in corpus():
        lowered = folded(text)
        for alternation in traces._prefiltered().values():
            for pattern, needed in zip(alternation.patterns, alternation.literals):
                if needed and re.search(pattern, text, traces._I):
                    assert any(s in lowered for s in needed), (pattern, text)


def test_prefiltered_alternations_find_the_plain_ones_matches():
    texts = corpus()
    assert len(texts) > 500
    found = 0
    for text in texts:
        expected = plain_starts(text)
        assert prefiltered_starts(text) == expected, text
        found += sum(map(len, expected.values()))
    assert found > 500  # the corpus exercises the patterns


WORDS = sorted({literal for alternation in traces._prefiltered().values() for needed in alternation.literals if needed
                for literal in needed} | {"\u0130", "\u0131", "\u017f", "\u212a", "ß", "İT", "thıs", "ſtart", "CHECK", "Wait,", "\n",
                                          ". ", "! ", "? ", " 24 ", "=", " 6 * 4 = 24", "42", "'", "(", ":", ";", "  "})


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=6)), max_size=40), st.booleans())
def test_generated_texts_match_alike(pieces, upper):
    text = " ".join(pieces) if not upper else "".join(pieces).upper()
    assert prefiltered_starts(text) == plain_starts(text)


def test_a_pattern_without_a_literal_is_always_tried():
    alternation = PrefilteredAlternation((r"\d+ apples", r"[a-z]+\b", r"\bpear"), re.IGNORECASE)
    assert alternation.literals == [frozenset({" apples"}), None, frozenset({"pear"})]
    text = "3 APPLES and a Pear"
    expected = [m.start() for m in re.finditer(r"(?:\d+ apples)|(?:[a-z]+\b)|(?:\bpear)", text, re.I)]
    assert alternation.starts(text, folded(text)) == expected == [0, 9, 13, 15]


@pytest.mark.parametrize("text", ["", "x", "İt works", "thıs works", "ſtart over", "KEEP \u212aeep", "a\u0307"])
def test_odd_letters_count_alike(text):
    assert prefiltered_starts(text) == plain_starts(text)
