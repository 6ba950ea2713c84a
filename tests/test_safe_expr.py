"""harness.parsing.safe_expr: the value eval gives a constant expression, refusal for names, code and
operations whose cost could explode; laziness and limits as documented."""

from __future__ import annotations

import pytest

from harness.parsing.safe_expr import ExpressionError, ExpressionLimits, evaluate_expression


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("{'a': 1, 'a': 2}", {"a": 2}),
        ("[[1, 2.0, True]]", [[1, 2.0, True]]),
        ("- - 1", 1),
        ("'A' + 'T'", "AT"),
        ("'ab' * 2", "abab"),
        ("0 and 1 / 0", 0),
        ("1 if 1 < 2 < 3 else 1 / 0", 1),
        ("'abc'[::-1]", "cba"),
        ("{1: b'x', 2: 1j, 3: ...}", {1: b"x", 2: 1j, 3: ...}),
        ("f'plain'", "plain"),
        ("1 in [1, 2] and 'a' not in 'bcd'", True),
        ("(((((((((('deep'))))))))))", "deep"),
    ],
)
def test_constant_expressions_have_evals_value(text, value):
    assert evaluate_expression(text) == value  # the values eval gives these texts (checked by hand)


@pytest.mark.parametrize(
    "text",
    [
        "len",  # names: eval would look them up among the caller's variables
        "true",
        "__import__('os').system('true')",
        "'a'.upper()",
        "[x for x in (1, 2)]",
        "lambda: 1",
        "(x := 1)",
        "[*'ab']",
        "{**{'a': 1}}",
        "f'{1}'",
        "'%s' % 1",
        "1 is 1",
        "9 ** 9 ** 9",  # eval would run for hours
        "'a' * 10 ** 10",  # or take 10 GB
        "2 << 10 ** 9",
        "1 / 0",  # eval raises
        "[1][5]",
        "-'a'",
        "{[1]: 2}",
        "[" * 300 + "]" * 300,
        "'\x00'",
        "[1, 2",
    ],
)
def test_everything_else_is_refused(text):
    with pytest.raises(ExpressionError):
        evaluate_expression(text)


def test_laziness_follows_python():
    assert evaluate_expression("1 or 9 ** 9 ** 9") == 1  # never computed, as in eval
    assert evaluate_expression("0 if 1 else 9 ** 9 ** 9") == 0
    assert evaluate_expression("1 > 2 < 9 ** 9 ** 9") is False
    with pytest.raises(ExpressionError):
        evaluate_expression("0 or 9 ** 9 ** 9")


def test_large_but_cheap_values_are_kept():
    huge = evaluate_expression("0x" + "f" * 4000)  # 16 000 bits: eval builds it, str() of it fails
    assert huge.bit_length() == 16_000
    assert evaluate_expression("2 ** 100_000").bit_length() == 100_001
    assert evaluate_expression("1 ** (10 ** 100)") == 1
    assert len(evaluate_expression("'ab' * 400_000")) == 800_000
    assert evaluate_expression("-" * 900 + "1") == 1  # unary chains walk in a loop
    assert evaluate_expression(" + ".join(["1"] * 900)) == 900  # so do left-nested operator chains
    assert evaluate_expression("[" * 150 + "]" * 150) == evaluate_expression("[" * 150 + "]" * 150)


def test_the_documented_limits_of_the_defaults():
    # the README's table of differences from eval: both are computed by eval, refused here
    with pytest.raises(ExpressionError, match="too long"):
        evaluate_expression("[" + "1, " * 340_000 + "]")  # 1 020 002 characters
    assert evaluate_expression("1" + " ** -1" * 100) == 1.0
    with pytest.raises(ExpressionError, match="nested too deeply"):
        evaluate_expression("1" + " ** -1" * 160)
    with pytest.raises(ExpressionError, match="power too large"):
        evaluate_expression("[[2 ** 2_000_000]]")  # eval builds it in milliseconds; over 2^20 bits here


def test_limits_are_configurable():
    with pytest.raises(ExpressionError, match="too long"):
        evaluate_expression("[1, 2, 3]", ExpressionLimits(max_chars=5))
    with pytest.raises(ExpressionError, match="power too large"):
        evaluate_expression("2 ** 100", ExpressionLimits(max_int_bits=64))
    with pytest.raises(ExpressionError, match="integer result too large"):
        evaluate_expression("3 ** 60", ExpressionLimits(max_int_bits=64))
    with pytest.raises(ExpressionError, match="repetition too long"):
        evaluate_expression("'a' * 100", ExpressionLimits(max_length=10))
    with pytest.raises(ExpressionError):
        evaluate_expression(None)  # type: ignore[arg-type]
