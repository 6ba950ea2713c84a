"""The behaviour judge's prompts: Gandhi et al. 2025's four, exactly as their code sends them, and the
project's own family-neutral four for tasks those do not fit.

``gandhi2025`` (the paper's; default where it applies): reproduced verbatim from
github.com/kanishkg/cognitive-behaviors (commit 9c90d33), behavioral_evals/gpt_api_eval.py,
CountdownAnalyzer.create_analysis_prompts, and its system message; Copyright 2023-2024 Bytedance Ltd.
and/or its affiliates (the upstream NOTICE), licensed under the Apache License, Version 2.0
(LICENSES/Apache-2.0.txt, see NOTICE). Only the wrapping into functions is ours. They are Countdown
prompts: they insert the problem's ``numbers`` and ``target`` (a family's JudgeProblem.fields), and a
differential test compares them byte for byte with the upstream function.

``ours``: the project's wording for any family: the same four questions and the same answer format
(``<count>N</count>``), with the family's description of the problem in place of the Countdown
sentence and examples drawn from several families. Not the paper's protocol: runs that use it say so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from harness.core.types import JudgeProblem

PROMPT_SETS = ("gandhi2025", "ours")
# the order of the paper's prompt_types: verification, backtracking, subgoal, backward-chaining
JUDGED_BEHAVIOURS = ("verification", "backtracking", "subgoal_setting", "backward_chaining")
PAPER_SYSTEM = "You are a helpful assistant that analyzes mathematical reasoning."
OUR_SYSTEM = "You are a helpful assistant that analyzes reasoning."
PAPER_FIELDS = ("numbers", "target")

# ---- gandhi2025: reproduced verbatim (Apache-2.0, see the module docstring) ----------------------

def _paper_verification(numbers: Any, target: Any, completion: Any) -> str:
    return f"""Here is a chain-of-reasoning that a Language Model generated while trying to play the game of CountDown with the numbers {numbers}. The goal is to reach the target number {target}. The chain-of-reasoning the model used is: {completion}. 
Evaluate whether the chain-of-reasoning contains any answer-verification steps. An example of an answer-verification step is: 'This sequence results in 1, which is not equal to 22' and 'Since 25 is not equal to 22' for explicit verification and 'Too high!' or 'This works!' for implicit verification. We want to mark instances where the chain-of-reasoning explicitly checks the current result against the target number. 
If you find any answer-verification steps, please count them and provide the count as between the tags <count> </count>. If the chain-of-reasoning does not contain any answer-verification steps, please provide a count of 0 as <count>0</count>."""


def _paper_backtracking(numbers: Any, target: Any, completion: Any) -> str:
    return f"""Here is a chain-of-reasoning that a Language Model generated while trying to play the game of CountDown with the numbers {numbers}. The goal is to reach the target number {target}. The chain-of-reasoning the model used is: {completion}.
Evaluate whether the chain-of-reasoning contains any backtracking behavior, where the model realizes a path won't work and explicitly goes back to try a different approach. Due to the nature of the problem, any attempt at a new combination of numbers that does not directly use the result from the previous computation is considered backtracking. 
For example, in the reasoning trace with numbers [20, 7, 11, 78] - "(78 - 20) - (11 - 7) = 58 - 4 = 54, (54 - 78) + 11 = -24 + 11 = -13, (-13 + 78) - 11 = 65 - 11 = 54, (78 - 58) + 11 = 20 + 11 = 31, (78 - 58) + (20 - 11) = 20 + 9 = 29, (78 - 20) + (11 - 7) = 58 + 4 = 62, (78 - 11) - (20 - 7) = 67 - 13 = 54, (78 - 20) + (11 / 7) = 58 + 1.5714 = 59.5714, (78 - 11) / (20 - 7) = 67 / 13 = 5, (78 - 20) + (11 + 7) = 58", there are 5 instances of backtracking to the initial numbers.
Count the number of distinct backtracking instances and provide the count between the tags <count> </count>. If the chain-of-reasoning does not contain any backtracking behavior, please provide a count of 0 as <count>0</count>."""


def _paper_subgoal_setting(numbers: Any, target: Any, completion: Any) -> str:
    return f"""Here is a chain-of-reasoning that a Language Model generated while trying to play the game of CountDown with the numbers {numbers}. The goal is to reach the target number {target}. The chain-of-reasoning the model used is: {completion}.
Evaluate whether the chain-of-reasoning contains any explicit subgoal setting, where the model breaks down the problem into smaller, intermediate goals. An example of subgoal setting is: "First, I'll try to get close to {target//2}, then...".
Count the number of distinct subgoals set and provide the count between the tags <count> </count>. If the chain-of-reasoning does not contain any subgoal setting, please provide a count of 0 as <count>0</count>."""


def _paper_backward_chaining(numbers: Any, target: Any, completion: Any) -> str:
    return f"""Here is a chain-of-reasoning that a Language Model generated while trying to play the game of CountDown with the numbers {numbers}. The goal is to reach the target number {target}. The chain-of-reasoning the model used is: {completion}.
Evaluate whether the chain-of-reasoning contains any backward-chaining behavior, where the model starts from the target number and works backwards to the initial numbers. An example of backward-chaining when the target is 24 and the numbers are 12 and 2 is: "Let's work backwards from the target. 24/2 = 12. So, 12*2=24." and if the target is 22 and the numbers are 25 and 3 is: "Since the target is 22, and 22 + 3 = 25, ...".
Count the number of distinct backward-chaining instances and provide the count between the tags <count> </count>. If the chain-of-reasoning does not contain any backward-chaining behavior, please provide a count of 0 as <count>0</count>."""


_PAPER: Mapping[str, Callable[[Any, Any, Any], str]] = {
    "verification": _paper_verification, "backtracking": _paper_backtracking,
    "subgoal_setting": _paper_subgoal_setting, "backward_chaining": _paper_backward_chaining,
}

# ---- ours ----------------------------------------------------------------------------------------

_OUR_OPENING = ("Here is a chain-of-reasoning that a Language Model generated while trying to solve the following problem.\n"
                "Problem: {problem}\nThe chain-of-reasoning the model used is: {completion}\n")
_OUR_CLOSING = ("Count the number of distinct {unit} and provide the count between the tags <count> </count>. If the"
                " chain-of-reasoning does not contain any, please provide a count of 0 as <count>0</count>.")
_OUR_QUESTIONS: Mapping[str, tuple[str, str]] = {
    "verification": (
        "Evaluate whether the chain-of-reasoning contains any answer-verification steps, where the model explicitly"
        " checks an intermediate or final result against the goal or the rules of the problem. Examples: 'this gives"
        " 25, which is not 22', 'column 2 would then hold two 3s', 'that agrees with the observed value' (explicit),"
        " and 'too high!' or 'this works!' (implicit).", "answer-verification steps"),
    "backtracking": (
        "Evaluate whether the chain-of-reasoning contains any backtracking behavior, where the model realizes a path"
        " won't work and explicitly goes back to try a different approach: a new combination that does not build on"
        " the previous result, an undone choice, a revised assumption.", "backtracking instances"),
    "subgoal_setting": (
        "Evaluate whether the chain-of-reasoning contains any explicit subgoal setting, where the model breaks down the"
        " problem into smaller, intermediate goals. Examples: 'First, I'll try to get close to 50, then...', 'I'll"
        " fill the top-left box before the rows'.", "subgoals set"),
    "backward_chaining": (
        "Evaluate whether the chain-of-reasoning contains any backward-chaining behavior, where the model starts from"
        " the goal and works backwards towards the givens. Examples: 'to reach 24 the last step could be 4 * 6, so I"
        " need a 6', 'for the answer to be yes, Y must be true, which requires X'.", "backward-chaining instances"),
}


def _ours(behaviour: str, problem: JudgeProblem, completion: str) -> str:
    question, unit = _OUR_QUESTIONS[behaviour]
    return _OUR_OPENING.format(problem=problem.description, completion=completion) + question + "\n" + _OUR_CLOSING.format(unit=unit)


def paper_prompts_apply(problem: JudgeProblem) -> bool:
    """Whether the paper's Countdown prompts can be filled for this problem (numbers and an integer target)."""
    return all(name in problem.fields for name in PAPER_FIELDS) and isinstance(problem.fields["target"], int)


def resolve_prompt_set(requested: str, problem: JudgeProblem) -> str:
    """``auto``: the paper's prompts where they apply, else ours; a named set as asked (ValueError when
    the paper's cannot be filled)."""
    if requested == "auto":
        return "gandhi2025" if paper_prompts_apply(problem) else "ours"
    if requested == "gandhi2025" and not paper_prompts_apply(problem):
        raise ValueError("the gandhi2025 prompts are Countdown prompts: they need the problem's numbers and integer target")
    if requested not in PROMPT_SETS:
        raise ValueError(f"unknown judge prompts '{requested}'; choose auto, {', '.join(PROMPT_SETS)}")
    return requested


def judge_messages(prompt_set: str, behaviour: str, problem: JudgeProblem, completion: str) -> tuple[dict[str, str], ...]:
    """The (system, user) chat the judge is sent for one behaviour of one completion."""
    if prompt_set == "gandhi2025":
        user = _PAPER[behaviour](problem.fields["numbers"], problem.fields["target"], completion)
        return ({"role": "system", "content": PAPER_SYSTEM}, {"role": "user", "content": user})
    return ({"role": "system", "content": OUR_SYSTEM}, {"role": "user", "content": _ours(behaviour, problem, completion)})
