"""Gandhi et al. 2025's behaviour-judge prompts for Countdown, exactly as their code sends them.

Reproduced verbatim from github.com/kanishkg/cognitive-behaviors (commit 9c90d33),
behavioral_evals/gpt_api_eval.py, CountdownAnalyzer.create_analysis_prompts, with its system message;
Copyright 2023-2024 Bytedance Ltd. and/or its affiliates (the upstream NOTICE), licensed under the
Apache License, Version 2.0 (https://www.apache.org/licenses/LICENSE-2.0; see NOTICE). Only the wrapping into functions is
ours. tests/test_behaviour_judge.py compares them byte for byte with the upstream function. The
engine's judge (`harness behaviours --judge`) gets them through the family's judge_problem hook.
"""

from __future__ import annotations

from typing import Any

PAPER = "gandhi2025"
SYSTEM = "You are a helpful assistant that analyzes mathematical reasoning."


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


def gandhi2025_prompts(numbers: Any, target: Any, completion: str) -> list[str]:
    """The four prompts, in the paper's order: verification, backtracking, subgoal, backward-chaining."""
    return [_paper_verification(numbers, target, completion), _paper_backtracking(numbers, target, completion),
            _paper_subgoal_setting(numbers, target, completion), _paper_backward_chaining(numbers, target, completion)]
