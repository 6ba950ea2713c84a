"""Countdown answers written by the tests, for comparing our TinyZero reward with TinyZero's own
`compute_score`: every rule it has (assistant marker, last line, lazy regex, nested tags, the
numbers check, the character check, Python's number semantics, the 1e-5 tolerance) is hit by
several variants. Only this text ever reaches the upstream eval, and every expression here is
small enough for eval to finish at once (no big powers)."""

from __future__ import annotations

import random

from tasks.countdown.config import CountdownConfig
from tasks.countdown.prompts import tinyzero_prefix
from tasks.countdown.solver import solve_countdown, strip_outer_parens

TEMPLATES = ("base", "qwen-instruct", "chat")


def _expressions(rng: random.Random, nums: list[int], target: int) -> list[str]:
    solution = strip_outer_parens(solve_countdown(tuple(nums), target) or " + ".join(map(str, nums)))
    a, b, *rest = nums
    shuffled = nums[:]
    rng.shuffle(shuffled)
    tail = " + ".join(map(str, rest)) if rest else "0"
    return [
        solution,
        f"({solution})",
        f"  {solution}  ",
        solution.replace(" ", ""),
        solution.replace(" ", "\t"),
        solution + " = " + str(target),  # "=" fails the character check
        solution + " ",
        " + ".join(map(str, shuffled)),  # right numbers, (usually) wrong value
        " * ".join(map(str, shuffled)),
        " - ".join(map(str, shuffled)),
        " / ".join(map(str, shuffled)),
        " // ".join(map(str, shuffled)),
        f"{a} ** 2 + {b} - {tail}",
        f"{a} ** -{b} + {tail}",
        f"(-{a}) ** 0.5 + {b} + {tail}",  # a complex value
        f"{a} ** 0.5 * {b} - {tail}",
        f"-{a} + -{b} + {tail}",
        f"+{a} - -{b} - {tail}",
        f"{a} / 0 + {b}",
        f"{a} // (0) + {b}",
        f"({a} - {a}) / ({b} - {b})",
        f"{a}.{b} + {tail}",  # a float literal uses two numbers
        f"0{a} + {b}",  # leading zero: a syntax error unless a is 0
        f"0{a}.5 + {b}",
        f"{a}. + {b}. + {tail}",
        f".{a} + {b}",
        f"{a}..{b}",
        f"{a} ({b})",  # calls an int: TypeError in eval
        f"({a})({b}) + {tail}",
        "()",
        f"() + ({a}, {b})",
        f"... + {a}",
        f"{a} + {b} + {tail} + 1",  # an extra number
        f"{a} + {tail}",  # a missing number
        f"{a} + {a} + {b} + {tail}",
        f"{a} x {b} + {tail}",
        f"{a} + {b} + {tail} ",
        f"{a}\u00a0+ {b} + {tail}",  # \s admits it, the tokenizer does not
        f"({a}\r+ {b} + {tail})",
        f"{a}\r+ {b} + {tail}",
        f"{a}\x0c+ {b} + {tail}",
        f"{a}\x0b+ {b} + {tail}",
        f"\u0663 + {b} + {tail}",  # an Arabic-Indic digit: counted as 3 by the numbers check
        f"\uff11 + {b}",
        f"({a} + {b}) * ({tail}",
        f"(((({solution}))))",
        "(" * 150 + solution + ")" * 150,
        "(" * 201 + solution + ")" * 201,
        "-" * 40 + solution,
        "",
        " ",
        f"{a} + {b} + {tail} + <answer>",
        f"<answer>{solution}",
        f"{solution}<answer>",
        "\u2003" + solution + "\u2003",
        solution.replace("+", "\uff0b"),
    ]


def _wrapped(expression: str) -> list[str]:
    block = f"<answer>{expression}</answer>"
    think = "<think>I try a few combinations.</think>"
    return [
        f" {think}\n{block}",
        f" {think} {block}",
        f" {think}\n{block}\n",
        f" {think}\n{block} Done.",
        f" {think}\n{block}\nThat is my answer.",
        f" {think}\n<answer>{expression[: len(expression) // 2]}\n{expression[len(expression) // 2 :]}</answer>",
        f" {think}\n<answer>1 + 2</answer> {block}",
        f" {think}\n{block} <answer>1 + 2</answer>",
        f" {think}\n<answer><answer>{expression}</answer></answer>",
        f" {think}\n<answer>{expression}<answer>1</answer>",
        f" {think}\n<answer>1 <answer>{expression}</answer>",
        f" {think}\n<Answer>{expression}</Answer>",
        f" {think}\n<answer >{expression}</answer>",
        f" {think}\n{block}</answer>",
        f" {think}\nAssistant: {block}",
        f" {think}\n{block} Assistant: ok",
        f" {think}\n<|im_start|>assistant\n{block}",
        f" {think}\r\n{block}\r",
        f"{block}",
        f"</think>{block}",
        f" {think}\n\n\n{block}\u2028",
        f" {think}\n{block}\u2029x",
        "",
        f" {think}",
    ]


def generate_cases(n: int = 1000, seed: int = 0) -> list[dict]:
    """n cases {"template", "nums", "target", "response", "text"} (text = TinyZero's prefix + response)."""
    rng = random.Random(f"tinyzero-cases/{seed}")
    cases: list[dict] = []
    while len(cases) < n:
        count = rng.choice((2, 3, 4))
        nums = [rng.randint(1, 99) for _ in range(count)]
        if rng.random() < 0.15:
            nums[0] = rng.choice((0, 1, 3))
        target = rng.randint(1, 100)
        found = solve_countdown(tuple(nums), target)
        if found is None and rng.random() < 0.95:
            continue
        expressions = _expressions(rng, nums, target)
        template = rng.choice(TEMPLATES)
        for expression in rng.sample(expressions[:7], 2) + rng.sample(expressions[7:], 2):
            wrappers = _wrapped(expression)
            for response in (rng.choice(wrappers[:4]), rng.choice(wrappers[4:])):
                cfg = CountdownConfig(n_numbers=max(2, count), template=template)
                sample = {"nums": nums, "target": target}
                cases.append({"template": template, "nums": nums, "target": target, "response": response,
                              "text": tinyzero_prefix(cfg, sample) + response})
    return cases[:n]


def tolerance_cases() -> list[dict]:
    """Values just inside and outside TinyZero's 1e-5, and off by one (inside any looser bound)."""
    rows = []
    for expression, nums, target, expected in [
        ("3 + 0.000001", [3, 0, 1], 3, 1.0),  # 3.000001: within 1e-5
        ("3 + 0.000009", [3, 0, 9], 3, 1.0),
        ("3 + 0.00002", [3, 0, 2], 3, 0.1),  # 2e-5 off
        ("3 - 0.0001", [3, 0, 1], 3, 0.1),
        ("3 + 1", [3, 1], 5, 0.1),  # off by one: right under a tolerance of 1.5
        ("3 + 1", [3, 1], 3, 0.1),
        ("7 / 3 * 3", [7, 3, 3], 7, 1.0),  # 7.000000000000001 in floats
        ("10 / 4", [10, 4], 2, 0.1),  # 2.5
        ("10 // 4", [10, 4], 2, 1.0),
        ("2 ** 3 - 1", [2, 3, 1], 7, 1.0),
    ]:
        rows.append({"nums": nums, "target": target, "expected": expected,
                     "text": f"User: q\nAssistant: Let me solve this step by step.\n<think> ok </think>\n<answer>{expression}</answer>"})
    return rows
