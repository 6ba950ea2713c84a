"""Prompt strategies any family can use, and a total extractor for yes/no answers.

A strategy turns (question, context) into chat messages that ask for the answer in a given way:

    direct  answer at once, nothing else
    cot     think step by step, then give the answer on a final "Answer: ..." line
    coin    CoIn (CounterBench, arXiv 2502.11008): iterative reasoning with backtracking over a
            graph of rules: list the variables and their rules, fix what the question sets,
            propagate step by step in cause-before-effect order, then trace back from the asked
            variable checking every step against the rules, revise any wrong step, and answer

Families pick a strategy by name from their config (``strategy: str = "direct"``) and call
`apply_strategy`; the scorer calls `extract_yes_no` (or its own extractor for other answers).
Only wording lives here: no task, no backend, no scoring.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.core.errors import did_you_mean
from harness.core.types import Message


@dataclass(frozen=True)
class Strategy:
    name: str
    description: str
    system: str
    instructions: str  # follows the question; "{answer_format}" is filled in
    max_tokens: int  # a generation budget that fits the strategy
    text_cue: str  # how the plain-text (base model) prompt ends, where the model continues


FINAL_LINE = 'End with a final line "Answer: X", where X is {answer_format}.'

STRATEGIES: dict[str, Strategy] = {
    strategy.name: strategy
    for strategy in (
        Strategy(
            name="direct",
            description="answer at once",
            system="You are a precise reasoner. Answer the question using only the information given.",
            instructions="Answer with only {answer_format}, nothing else.",
            max_tokens=32,
            text_cue="Answer:",
        ),
        Strategy(
            name="cot",
            description="step-by-step reasoning, then a final answer line",
            system="You are a precise reasoner. Answer the question using only the information given.",
            instructions="Let's think step by step. " + FINAL_LINE,
            max_tokens=1024,
            text_cue="Reasoning:",
        ),
        Strategy(
            name="coin",
            description="CoIn: iterative reasoning with backtracking over the graph of rules",
            system=(
                "You are a precise reasoner. You solve questions about systems of rules by working"
                " through the graph of variables one step at a time and checking your own work."
            ),
            instructions=(
                "Solve this with iterative reasoning and backtracking:\n"
                "1. Variables: list every variable and, for each, the rule that determines it"
                " (its causes and how they combine). Variables that no rule determines keep the"
                " values the text gives or implies.\n"
                "2. Setting: write down the values the question fixes (interventions, assumptions,"
                " observations). A variable the question sets ignores its own rule.\n"
                "3. Iterate: go through the variables so that every cause comes before its effects."
                " For each one, apply its rule to the values found so far and write the result.\n"
                "4. Backtrack: start from the variable the question asks about and trace back"
                " through its causes to the variables the question sets. Check every step against"
                " its rule. If a step is wrong or used a value before it was computed, go back to"
                " that step, correct it and recompute everything that depends on it.\n"
                "5. Answer only when every step checks out. " + FINAL_LINE
            ),
            max_tokens=2048,
            text_cue="Step 1. Variables:",
        ),
    )
}


def validate_strategy(name: str) -> None:
    """ValueError (with a 'did you mean') unless ``name`` is a known strategy."""
    if name not in STRATEGIES:
        raise ValueError(
            f"unknown strategy '{name}'{did_you_mean(name, STRATEGIES)}; choose one of {', '.join(STRATEGIES)}"
        )


def apply_strategy(
    name: str, question: str, context: str = "", answer_format: str = "yes or no"
) -> tuple[Message, ...]:
    """Chat messages asking ``question`` (after ``context``, if any) the way strategy ``name`` does.
    ``answer_format`` says what an answer looks like ("yes or no", "a number", ...)."""
    strategy = _strategy(name)
    return (
        {"role": "system", "content": strategy.system},
        {"role": "user", "content": _user_text(strategy, question, context, answer_format)},
    )


def strategy_text_prompt(
    name: str, question: str, context: str = "", answer_format: str = "yes or no"
) -> str:
    """The same request as one plain-text prompt for base models, ending with the strategy's cue."""
    strategy = _strategy(name)
    user = _user_text(strategy, question, context, answer_format)
    return f"{strategy.system}\n\n{user}\n\n{strategy.text_cue}"


def _strategy(name: str) -> Strategy:
    validate_strategy(name)
    return STRATEGIES[name]


def _user_text(strategy: Strategy, question: str, context: str, answer_format: str) -> str:
    body = "\n".join(part for part in (context.strip(), question.strip()) if part)
    return f"{body}\n\n{strategy.instructions.format(answer_format=answer_format)}"


def strategy_max_tokens(name: str) -> int:
    return _strategy(name).max_tokens


# ---------------------------------------------------------------- answer extraction

_THINK_CLOSE = "</think>"
_DECORATION = re.compile(r"[*_`#>]|\\(?:boxed|text|textbf|mathrm)\b|[{}$]")
_YES_NO = r"(yes|no)\b"
# "Answer: yes", "the answer is no", "Final answer - Yes", "answer would be no" (bounded: linear time)
_MARKER = re.compile(
    r"\banswer\b[ \t]{0,3}(?:is|would be|will be|should be|=|:|-)?[ \t:\-=\"'\u201c\u2018]{0,4}(?:\n[ \t]{0,3})?" + _YES_NO,
    re.IGNORECASE,
)
_LEADING = re.compile(r"^[\W_]{0,8}" + _YES_NO, re.IGNORECASE)
_ALTERNATIVE = re.compile(r"[ \t]{0,3}(?:or|/|and)[ \t]{0,3}(?:yes|no)\b", re.IGNORECASE)
_ALTERNATIVE_BEFORE = re.compile(r"\b(?:yes|no)[ \t]{0,3}(?:or|/|and)[ \t]{0,3}$", re.IGNORECASE)
_TRAILING = re.compile(r"\b(yes|no)[\W_]{0,8}$", re.IGNORECASE)
# A final answer that stands as its own clause: after the start of a line or a mark (". , : ; ! ? - ("),
# maybe a connective ("So actually: No.", "Therefore, yes."), not mid-sentence ("there is no").
_CLAUSE_START = re.compile(
    r"(?:^|[\n.,:;!?(\-\u2013\u2014])[ \t\"'\u201c\u2018]*"
    r"(?:(?:so|thus|therefore|hence|then|actually|finally|final|overall|in short|in conclusion|in summary|"
    r"i think|i believe|it is|it's|my answer)[ \t,:]*){0,3}[\"'\u201c\u2018]?$",
    re.IGNORECASE,
)
# "not no", "isn't yes", "never yes", "hardly no": a negated answer word is not that answer
_NEGATED = re.compile(
    r"(?:\bnot|n't|\bnever|\bhardly|\bnor)(?:[ \t]+(?:say|saying|be|answer|a|an|the|quite|simply|just|really|exactly))?"
    r"[ \t\"'\u201c\u2018]{0,3}$",
    re.IGNORECASE,
)


def extract_yes_no(text: str) -> str | None:
    """'yes', 'no' or None (unparseable) for any model output; never raises.

    The final explicit answer wins; in order:
    1. the last answer marker ("Answer: no", "the answer is yes");
    2. a yes/no that ends the response as its own clause ("Yes.\n\nWait, let me re-check. So
       actually: No." is no; "Therefore, yes."; not "... because there is no");
    3. a response that starts with yes/no ("Yes.", "**No**, because ...");
    4. a last line that starts or ends with yes/no, when it says only one of them.
    A negated answer word ("not no", "isn't yes") is never read as that answer: that reading is
    skipped, and if nothing else answers the reply is unparseable (never inverted). Text before a
    closing </think> is ignored; "yes or no" is not an answer."""
    if not isinstance(text, str):
        return None
    if _THINK_CLOSE in text:
        text = text[text.rfind(_THINK_CLOSE) + len(_THINK_CLOSE) :]
    text = _DECORATION.sub("", text)
    for match in reversed(list(_MARKER.finditer(text))):
        if not _ALTERNATIVE.match(text, match.end()) and not _negated(text, match.start(1)):
            return match.group(1).lower()
    text = text.strip()
    final = _final_clause_yes_no(text)
    if final:
        return final
    leading = _leading_yes_no(text)
    if leading:
        return leading
    last_line = text.rpartition("\n")[2][-200:]
    found = {answer for answer in (_leading_yes_no(last_line), _trailing_yes_no(last_line)) if answer}
    return found.pop() if len(found) == 1 else None


def _negated(text: str, start: int) -> bool:
    """The answer word at ``start`` follows a negation ("not no", "isn't yes")."""
    return bool(_NEGATED.search(text[max(0, start - 30) : start]))


def _final_clause_yes_no(text: str) -> str | None:
    match = _TRAILING.search(text[-300:])
    if match is None:
        return None
    tail = text[-300:]
    before = tail[max(0, match.start() - 60) : match.start()]
    if not _CLAUSE_START.search(before) or _negated(tail, match.start()):
        return None
    if _ALTERNATIVE_BEFORE.search(tail[max(0, match.start() - 12) : match.start()]):
        return None
    return match.group(1).lower()


def _leading_yes_no(text: str) -> str | None:
    match = _LEADING.match(text)
    if match is None or _ALTERNATIVE.match(text, match.end()):
        return None
    return match.group(1).lower()


def _trailing_yes_no(text: str) -> str | None:
    match = _TRAILING.search(text)
    if match is None or _ALTERNATIVE_BEFORE.search(text[max(0, match.start() - 12) : match.start()]):
        return None
    if _negated(text, match.start()):
        return None
    return match.group(1).lower()
