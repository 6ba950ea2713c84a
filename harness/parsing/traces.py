"""Rule-based detector of the reasoning behaviours Gandhi et al. 2025 ("Cognitive Behaviors that
Enable Self-Improving Reasoners") name: verification, backtracking, subgoal setting and backward
chaining; plus where in a completion the first correct answer appears.

Gandhi et al. classify traces with an LLM; here every behaviour is a short, documented list of
regular expressions (BEHAVIOUR_PATTERNS), so counts are cheap, deterministic and auditable: a
reader can see exactly why a sentence counted. The cost is recall: paraphrases the patterns do not
list are missed, and a pattern can fire on a sentence that only *mentions* a behaviour. Read the
counts as comparable indicators across models and strategies, not as ground truth.

Counting unit: a *sentence* (text split at . ! ? and newlines). A behaviour's count is the number
of sentences in which at least one of its patterns matches, so "let me verify ... verify again" in
one sentence counts once. All patterns are linear-time (no nested quantifiers); any text is safe.
This module knows no family and no backend: callers pass text and, for the first-correct position,
the family's own scorer as a callable.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Mapping, Sequence

_I = re.IGNORECASE
_WE = r"\b(?:let me|let's|let us|i'll|i will|i should|we should|we'll|we can|i can|now)"

BEHAVIOUR_PATTERNS: Mapping[str, tuple[str, ...]] = {
    # checking an intermediate or final result against the constraints
    "verification": (
        _WE + r" (?:double[- ]?)?(?:check|verify|confirm|make sure)\b",
        r"\bdouble[- ]check",
        r"\bverif(?:y|ying|ies|ied|ication)\b",
        r"\b(?:checking|check) (?:if|whether|that|again)\b",
        r"\bsanity check\b",
        r"\b(?:this|that|it) (?:works|checks out|is correct|is valid)\b",
        r"[✓✔]",
    ),
    # noticing a dead end and abandoning it for another path
    "backtracking": (
        r"\bbacktrack",
        r"\b(?:this|that|it) (?:doesn't|does not|didn't|did not|won't|will not|can't|cannot) work\b",
        r"\bdoesn't work\b|\bnot work(?:ing)?\b",
        _WE + r" (?:try|consider|use) (?:again|another|a different|something else|other)\b",
        r"\btry (?:a |an )?(?:different|another|other) (?:approach|way|number|combination|value|option|digit|candidate|path)",
        r"\bcontradict(?:s|ion|ory)\b",
        r"\b(?:go|going|went) back\b",
        r"\b(?:start|starting) over\b",
        r"\bdead[- ]end\b",
        r"(?:^|[\s\"'(])(?:wait|oops)\b[,.!:]",
        r"\b(?:that's|that is|this is) (?:wrong|incorrect|not right|too (?:big|large|small|high|low))\b",
    ),
    # splitting the problem into intermediate goals
    "subgoal_setting": (
        r"\bstep \d+\b",
        r"\bfirst,? (?:let's|let us|let me|i'll|i will|we|i need|we need)\b",
        r"\b(?:break|split) (?:this|it|the problem|the puzzle) (?:down|into|up)\b",
        r"\bsub-?(?:goal|problem|task)s?\b",
        r"\b(?:our|the|my) (?:first|next|last) (?:goal|step|task) is\b",
        r"\b(?:next|then),? (?:let's|let us|let me|we|i)\b",
        r"\b(?:intermediate|partial) (?:result|goal|target|step)s?\b",
    ),
    # reasoning from the goal back towards the givens
    "backward_chaining": (
        r"\bwork(?:ing)? backwards?\b",
        r"\bbackwards? (?:from|chaining|reasoning)\b",
        r"\bstart(?:ing)? from the (?:target|goal|answer|end)\b",
        r"\b(?:to|in order to) (?:get|reach|make|obtain) (?:the target|the goal|\d+),? (?:we|i) (?:need|must|have to|would need)\b",
        r"\b(?:we|i) need (?:to get |to reach |to make )?(?:a |an |the )?\d+ (?:to|in order to) (?:get|reach|make)\b",
        r"\bwhat (?:do we|would we|we|do i) need\b",
        r"\b(?:the target|\d+) (?:is|=|equals) \d+ ?(?:[*x×/+-]|times|plus|minus|divided by) ?\d+\b",
        r"\bwhich (?:number|numbers|digit|value)s? (?:is|are) (?:missing|left)\b",
    ),
}
BEHAVIOURS: tuple[str, ...] = tuple(BEHAVIOUR_PATTERNS)

_COMPILED = {name: re.compile("|".join(f"(?:{p})" for p in patterns), _I) for name, patterns in BEHAVIOUR_PATTERNS.items()}
_SENTENCE_END = re.compile(r"[.!?\n]+")
MAX_TRACE_CHARS = 2_000_000  # longer texts are cut (behaviours past 2 MB are not counted)


def count_behaviours(text: str) -> dict[str, int]:
    """{behaviour: number of sentences showing it} for one completion; total on any string.
    Each behaviour's patterns scan the whole text once; a match counts for the sentence it
    starts in (so patterns may include the punctuation that ends a sentence, as in "wait,")."""
    counts = {name: 0 for name in BEHAVIOURS}
    if not isinstance(text, str):
        return counts
    clipped = text[:MAX_TRACE_CHARS]
    sentence_ends: list[int] | None = None  # built on the first match only
    for name, pattern in _COMPILED.items():
        starts = [match.start() for match in pattern.finditer(clipped)]
        if not starts:
            continue
        if sentence_ends is None:
            sentence_ends = [match.end() for match in _SENTENCE_END.finditer(clipped)]
        counts[name] = len({bisect.bisect_right(sentence_ends, start) for start in starts})
    return counts


def explain_behaviours(text: str, limit: int = 5) -> dict[str, list[str]]:
    """Up to ``limit`` matched snippets per behaviour: why the counts are what they are."""
    found: dict[str, list[str]] = {name: [] for name in BEHAVIOURS}
    clipped = text[:MAX_TRACE_CHARS] if isinstance(text, str) else ""
    for name, pattern in _COMPILED.items():
        for match in pattern.finditer(clipped):
            found[name].append(clipped[max(0, match.start() - 30) : match.end() + 30].replace("\n", " "))
            if len(found[name]) >= limit:
                break
    return found


MAX_CANDIDATES = 256


def first_correct_position(text: str, is_correct: Callable[[str], bool], markers: Sequence[str] = ()) -> int | None:
    """Smallest character offset p such that the prefix text[:p] already verifies, checked at the
    end of each answer marker (the family's trace_markers hook, e.g. "</answer>": where an answer
    can have just been completed) and at the end of the text. None when no prefix verifies. ``is_correct`` is the family's verifier
    applied to a (partial) response; at most MAX_CANDIDATES prefixes are tried."""
    if not isinstance(text, str):
        return None
    lowered = text.lower()
    positions: set[int] = set()
    for marker in markers:
        start = 0
        while len(positions) < MAX_CANDIDATES:
            found = lowered.find(marker, start)
            if found < 0:
                break
            positions.add(found + len(marker))
            start = found + 1
    positions.add(len(text))
    for position in sorted(positions):
        try:
            if is_correct(text[:position]):
                return position
        except Exception:  # a scorer bug must not sink the analysis; that prefix just does not count
            continue
    return None


def tokens_at_position(text: str, position: int, completion_tokens: int, count_tokens: Callable[[str], int] | None = None) -> int:
    """Tokens generated up to a character offset: exact with a tokenizer's ``count_tokens``,
    else the completion's token count scaled by the share of characters (an estimate)."""
    if count_tokens is not None:
        return int(count_tokens(text[:position]))
    if not text:
        return 0
    return round(completion_tokens * position / len(text))
