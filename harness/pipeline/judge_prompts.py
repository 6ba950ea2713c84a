"""The behaviour judge's prompts: a paper's own, where the family provides them, and the project's own
family-neutral four for every task.

``paper`` (default where a family has them): the family's ``judge_problem`` hook returns the paper's
prompts filled for the problem (``JudgeProblem.paper_prompts``): Countdown gives Gandhi et al. 2025's,
verbatim (tasks/countdown/judge_prompts.py). Runs record the paper's name for them ("gandhi2025").

``ours``: the project's wording for any family: the same four questions and the same answer format
(``<count>N</count>``), with the family's description of the problem and examples drawn from several
families. Not the paper's protocol: runs that use it say so.
"""

from __future__ import annotations

from collections.abc import Mapping

from harness.core.types import JudgeProblem

PROMPT_SETS = ("paper", "ours")
# the order of the paper's prompt_types: verification, backtracking, subgoal, backward-chaining
JUDGED_BEHAVIOURS = ("verification", "backtracking", "subgoal_setting", "backward_chaining")
OUR_SYSTEM = "You are a helpful assistant that analyzes reasoning."

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


def resolve_prompt_set(requested: str, problem: JudgeProblem) -> str:
    """The prompt set a problem is judged with: "auto" takes the paper's where the family provides them,
    else ours; "paper" where the family has none is an error (ValueError)."""
    if requested not in ("auto", *PROMPT_SETS):
        raise ValueError(f"unknown judge prompts '{requested}'; choose auto, {', '.join(PROMPT_SETS)}")
    has_paper = problem.paper_prompts is not None
    if requested == "paper" and not has_paper:
        raise ValueError("this family provides no paper's judge prompts")
    return "paper" if requested == "paper" or (requested == "auto" and has_paper) else "ours"


def prompt_set_name(prompt_set: str, problem: JudgeProblem) -> str:
    """What a run records: the paper's name for its prompts, or "ours"."""
    return (problem.paper or "paper") if prompt_set == "paper" else "ours"


def judge_conversations(prompt_set: str, problem: JudgeProblem, completion: str) -> list[tuple[dict[str, str], ...]]:
    """The (system, user) chats the judge is sent for one completion, one per behaviour (JUDGED_BEHAVIOURS order)."""
    if prompt_set == "paper" and problem.paper_prompts is not None:
        users = list(problem.paper_prompts(completion))
        if len(users) != len(JUDGED_BEHAVIOURS):
            raise ValueError(f"a family's paper prompts must be {len(JUDGED_BEHAVIOURS)}, one per behaviour; got {len(users)}")
        return [({"role": "system", "content": problem.paper_system}, {"role": "user", "content": user}) for user in users]
    return [({"role": "system", "content": OUR_SYSTEM}, {"role": "user", "content": _ours(b, problem, completion)})
            for b in JUDGED_BEHAVIOURS]
