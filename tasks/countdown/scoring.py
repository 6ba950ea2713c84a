"""Countdown verifier: never eval(). The expression is checked character by character, parsed by
Python's `ast` (parse only) and walked by a tiny evaluator that admits numbers, + - * / and
parentheses over exact fractions. Every input, however hostile, gets a verdict."""

from __future__ import annotations

import ast
import re
from collections import Counter
from fractions import Fraction

from harness.core.metric_spec import binary, fraction
from harness.core.types import Sample, Verdict
from tasks.countdown.config import CountdownConfig
from tasks.countdown.prompts import tinyzero_prefix
from tasks.countdown.tinyzero import tinyzero_reward

ANSWER_OPEN, ANSWER_CLOSE = "<answer>", "</answer>"
ALLOWED = re.compile(r"[0-9+\-*/() \t\n]+")
NUMBER = re.compile(r"[0-9]+")
MAX_EXPRESSION_CHARS = 1_000
MAX_DIGITS = 12
FORMAT_REWARD = 0.1


def extract_countdown_answer(text: str) -> str | None:
    """The content of the last <answer>...</answer> block (linear time on any input)."""
    end = text.rfind(ANSWER_CLOSE)
    if end < 0:
        return None
    start = text.rfind(ANSWER_OPEN, 0, end)
    if start < 0:
        return None
    return text[start + len(ANSWER_OPEN) : end].strip()


def evaluate_arithmetic(expression: str) -> Fraction | None:
    """Exact value of an expression of integers, + - * / and parentheses; None if it is anything
    else, divides by zero, or is too long or deep to be a Countdown answer.

    Written arithmetic, not Python source: a line break anywhere is a space (`(1 + 2) *\n 3`; Python
    would end the expression at the newline), and an integer may carry leading zeros (`03` is 3;
    Python refuses the literal)."""
    if len(expression) > MAX_EXPRESSION_CHARS or not ALLOWED.fullmatch(expression):
        return None
    plain = NUMBER.sub(lambda number: number.group().lstrip("0") or "0", " ".join(expression.split()))
    try:
        tree = ast.parse(plain, mode="eval")
        return _walk(tree.body)
    except (SyntaxError, ValueError, ZeroDivisionError, RecursionError, MemoryError, OverflowError):
        return None


def _walk(node: ast.AST) -> Fraction:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return Fraction(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        value = _walk(node.operand)
        return value if isinstance(node.op, ast.UAdd) else -value
    if isinstance(node, ast.BinOp):
        left, right = _walk(node.left), _walk(node.right)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            return left / right  # ZeroDivisionError is caught by the caller
    raise ValueError(f"not allowed in a Countdown answer: {type(node).__name__}")


def numbers_used(expression: str) -> list[int] | None:
    """The integers written in the expression; None if one is absurdly long."""
    tokens = NUMBER.findall(expression)
    if any(len(token) > MAX_DIGITS for token in tokens):
        return None
    return [int(token) for token in tokens]


def verify_countdown_expression(expression: str, nums: list[int], target: int) -> bool:
    """True iff the expression uses each given number exactly once and equals the target."""
    if len(expression) > MAX_EXPRESSION_CHARS or not ALLOWED.fullmatch(expression):
        return False
    used = numbers_used(expression)
    if used is None or Counter(used) != Counter(nums):
        return False
    value = evaluate_arithmetic(expression)
    return value is not None and abs(float(value) - target) < 1e-5


COUNTDOWN_METRICS = (
    binary("accuracy", "the last <answer> block uses every number once and equals the target (the task rule)"),
    fraction("reward", "TinyZero's reward values on the task rule: 1 correct, 0.1 an answer block but wrong, 0 none"),
    fraction("tinyzero_reward", "TinyZero's own compute_score on its prompt prefix + the response (what its training paid)"),
    binary("tinyzero_accuracy", "TinyZero's compute_score gives 1 (the papers' verdict: compare this with their accuracies)"),
)


def why_countdown_unparseable(cfg: CountdownConfig, sample: Sample, text: str) -> str:
    """Why extract_countdown_answer found nothing (the report's failure summary)."""
    if ANSWER_CLOSE in text:
        return f"an {ANSWER_CLOSE} without an {ANSWER_OPEN} before it"
    if ANSWER_OPEN in text:
        return f"an {ANSWER_OPEN} block that is never closed with {ANSWER_CLOSE}"
    return f"no {ANSWER_OPEN}...{ANSWER_CLOSE} block" if text.strip() else "an empty response"


def score_countdown_response(cfg: CountdownConfig, sample: Sample, text: str) -> Verdict:
    """Four per-completion scores:
    - ``accuracy``: the task rule of protocols.md (last <answer> block anywhere, this verifier);
    - ``reward``: TinyZero's reward values on that rule: 1 correct, 0.1 a block but wrong, 0 none;
    - ``tinyzero_reward``: TinyZero's own `compute_score` on its prompt prefix + the response
      (last-line rule and all, see tinyzero.py): what a TinyZero training run would have paid;
    - ``tinyzero_accuracy``: ``tinyzero_reward == 1``, the verdict TinyZero and Gandhi et al. count
      as correct, so the one number comparable with their published accuracies."""
    nums, target = list(sample["nums"]), int(sample["target"])
    paid = tinyzero_reward(tinyzero_prefix(cfg, sample) + text, target, nums)
    theirs = {"tinyzero_reward": paid, "tinyzero_accuracy": float(paid == 1.0)}
    expression = extract_countdown_answer(text)
    if expression is None:
        return Verdict(answer=None, scores={"accuracy": 0.0, "reward": 0.0, **theirs})
    correct = verify_countdown_expression(expression, nums, target)
    reward = 1.0 if correct else FORMAT_REWARD
    return Verdict(answer=expression[:200], scores={"accuracy": float(correct), "reward": reward, **theirs})


def countdown_canonical_answer(cfg: CountdownConfig, sample: Sample, answer: str) -> dict[str, object]:
    """What maj@k votes on: the expression's exact value and the sorted numbers it writes, not its
    text, so "(1+2)*3", "(1 + 2) * 3" and "3 * (2 + 1)" are one answer. Why the value and the numbers
    rather than a normalised expression: they are exactly what the verifier reads (a right answer is
    the given numbers reaching the target), so every completion in a group has the same `accuracy`
    and `reward`, and two different right expressions support each other instead of splitting the
    vote. An expression the verifier cannot evaluate keeps its text, whitespace removed."""
    value = evaluate_arithmetic(answer)
    used = numbers_used(answer)
    if value is None or used is None:
        return {"expression": "".join(answer.split())}
    return {"numbers": sorted(used), "value": f"{value.numerator}/{value.denominator}"}
