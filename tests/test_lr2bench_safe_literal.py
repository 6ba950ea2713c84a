"""harness.parsing.safe_literal: the value of plain literals, a LiteralError for everything else, within limits."""

from __future__ import annotations

import ast
import json

import pytest

from harness.parsing.safe_literal import LiteralError, LiteralLimits, bracket_depth, parse_literal, to_json_safe

VALID = [
    "{'1': 'A', '2': 'B'}",
    '{"1-Across": "THAN", "5-Across": "GRACE"}',
    "[[2, 3, 4, 1],\n [4, 1, 3, 2]]",
    '[{"years": "2001", "names": "Esme"}, {"years": "2002", "names": "Ada"}]',
    "[['I', '#', 'N'], ['F', '.', 'A']]",
    "(1, -2, +3.5, None, True, False)",
    "{1, 2, 3}",
    "{'a': (1, 2), 3: [4, {'b': -5}]}",
    "'implicit' 'concatenation'",
    "[]",
    "{}",
    "  [1, 2]  \n",
]


@pytest.mark.parametrize("text", VALID)
def test_plain_literals_parse_like_literal_eval(text):
    assert parse_literal(text) == ast.literal_eval(text.strip())


HOSTILE = [
    "__import__('os').system('echo pwned')",
    "{'1': __import__('os').system('echo pwned')}",
    "[open('/etc/passwd').read()]",
    "().__class__.__bases__[0].__subclasses__()",
    "[x for x in range(10**9)]",
    "lambda: 1",
    "f'{1+1}'",
    "{**{'a': 1}}",
    "1 + 2",
    "9 ** 9 ** 9",
    "[1, 2][0]",
    "(x := 5)",
    "true",
    "null",
    "-'a'",
    "{[1]: 2}",
    "{[1], [2]}",
    "b'bytes'",
    "1j",
    "print",
    "",
    "   ",
    "\x00",
    "[1, 2",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_anything_but_a_literal_is_refused(text):
    with pytest.raises(LiteralError):
        parse_literal(text)


def test_size_limits():
    with pytest.raises(LiteralError, match="too long"):
        parse_literal("[" + "1, " * 100_000 + "1]")
    with pytest.raises(LiteralError, match="nested too deeply"):
        parse_literal("[" * 50 + "]" * 50)
    with pytest.raises(LiteralError, match="nested too deeply"):
        parse_literal("[" * 100_000)
    with pytest.raises(LiteralError, match="too many elements"):
        parse_literal("[" + "1, " * 50 + "1]", LiteralLimits(max_nodes=20))
    with pytest.raises(LiteralError):
        parse_literal("9" * 5000)
    with pytest.raises(LiteralError, match="integer too large"):
        parse_literal("1" + "0" * 100)
    assert parse_literal("[" * 30 + "]" * 30) == ast.literal_eval("[" * 30 + "]" * 30)


def test_non_strings_are_refused():
    with pytest.raises(LiteralError):
        parse_literal(None)  # type: ignore[arg-type]


def test_bracket_depth_ignores_quoted_brackets():
    assert bracket_depth("['[[[[', \"]]]\", [1]]") == 2
    assert bracket_depth("'unterminated [[[") == 0


def test_json_safe_copies_serialise():
    value = parse_literal("{(1, 2): {3, 1}, 'x': (1, [2]), None: 1.5}")
    safe = to_json_safe(value)
    assert json.loads(json.dumps(safe)) == {"(1, 2)": [1, 3], "x": [1, [2]], "null": 1.5}
    assert to_json_safe(float("inf")) == "inf"
    mixed = to_json_safe(parse_literal("{1: 'G', '2': 'O', None: 'x', 2.5: 'y'}"))
    assert json.dumps(mixed, sort_keys=True) == '{"1": "G", "2": "O", "2.5": "y", "null": "x"}'

