"""The keyword detector of the reasoning behaviours Gandhi et al. 2025 ("Cognitive Behaviors that
Enable Self-Improving Reasoners") name: verification, backtracking, subgoal setting and backward
chaining; where in a completion the first correct answer appears; and the thinking-efficiency
readings of one completion (thought switches, Thinkless-style think/short mode).

Gandhi et al. count behaviours with an LLM judge (`harness behaviours RUN --judge MODEL` runs their
prompts); here every behaviour is a short, documented list of regular expressions
(BEHAVIOUR_PATTERNS), so counts are cheap, deterministic and auditable: a reader can see exactly why
a sentence counted. The cost is recall. Measured on a labelled set written after the patterns were
frozen (behaviour_labels.json, "held_out"; harness.report.behaviours.detector_scorecard and
docs/behaviours.md), the detector finds a third to a half of the sentences that show a behaviour,
with few false positives: read its counts as a lower-bound indicator for comparing models and
strategies, never as the paper's numbers. A family whose traces have a format of their own (Countdown's
Stream-of-Search lines) adds markers through its ``behaviour_markers`` hook.

Counting unit: a *sentence* (text split at . ! ? and newlines). A behaviour's count is the number
of sentences in which at least one of its patterns matches, so "let me verify ... verify again" in
one sentence counts once. Each behaviour's patterns run as one alternation, tried with only the
patterns whose required words the text holds (harness/parsing/literal_prefilter.py: the same matches,
about 2.5 times faster). All patterns are linear-time (no nested quantifiers, bounded gaps); any
text is safe. This module knows no family and no backend: callers pass text and, for the
first-correct position, the family's own scorer as a callable.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from harness.parsing.literal_prefilter import PrefilteredAlternation, folded

_I = re.IGNORECASE | re.MULTILINE
_WE = r"\b(?:let me|let's|let us|i'll|i will|i should|we should|we'll|we can|i can|now)"
_START = r"(?:^|(?<=[.!?:;] )|(?<=[.!?:;]))"  # the start of a sentence (fixed-width lookbehinds only)
_NUM = r"-?\d+(?:\.\d+)?"
_OP = r"(?:[*x×/+-]|times|plus|minus|divided by)"

BEHAVIOUR_PATTERNS: Mapping[str, tuple[str, ...]] = {
    # checking an intermediate or final result against the target or the rules (explicitly: "which is
    # not equal to 22"; implicitly: "too high!", "this works!")
    "verification": (
        _WE + r" (?:double[- ]?)?(?:check|verify|confirm|make sure)\b",
        r"\b(?:double|cross|sanity)[- ]?check",
        r"\bverif(?:y|ying|ies|ied|ication)\b",
        r"\b(?:checking|check) (?:if|whether|that|again)\b|\bcheck(?:ing)?:",
        r"\bmake sure\b|\bconfirm(?:s|ed|ing)?\b|\btest(?:ing)? (?:it|this|that)\b|\bplug(?:ging)? (?:it |this |that )?back in\b",
        r"\b(?:this|that|it) (?:works|checks out|is correct|is valid|is right)\b|\bchecks out\b",
        r"\b(?:is|are|was|isn't|is not|not|does not|doesn't) (?:equal|equals)\b|\bnot equal\b|≠|!=",
        r"\btoo (?:high|low|big|large|small|much|little)\b|\bovershoot|\bundershoot|\boff by\b",
        r"\b(?:way|still|just|well) (?:over|under|above|below|short of)\b|\bshort of \d+",
        r"\b(?:bigger|larger|greater|smaller|less|more|higher|lower) than (?:the target|our target|the goal|\d+)",
        r"\b(?:which|that|this|it)(?:'s| is| was)? (?:not |n't )?(?:the target|our target|the goal|what we (?:want|wanted|need|needed))\b",
        r"\b(?:matches|match|reaches|hits|equals|meets) (?:the|our) (?:target|goal)\b|\bnot (?:a )?match\b|\bexactly the target\b",
        r"\bwhich is (?:not |n't )?\d+\b|, not \d+\b|\b(?:rather than|instead of) \d+\b|\b(?:is|equals) (?:the|our) (?:target|goal)\b",
        r"\b(?:over|under|above|below) (?:the target|\d+)|\bno good\b",
        r"\b(?:can't|cannot|won't|will not|doesn't|does not|isn't|is not) (?:reach|give|get to|lead to|reachable)\b",
        r"\b(?:holds|is consistent|are consistent|consistent with|agrees? with|is satisfied|satisfies)\b",
        r"\bbreaks? (?:the|a) (?:rule|constraint)|\bviolat(?:es|ed|ing|ion)\b|\b(?:two|2) \d+'?s in (?:the same )?(?:row|column|box)",
        r"\b(?:appears?|occurs?) (?:exactly )?once\b|\bexactly once\b|\bas it should\b",
        r"\bdoes [^.!?\n]{1,40}? (?:equal|give|make|reach) " + _NUM + r" ?\?",
        r"[✓✔]",
    ),
    # noticing a dead end and abandoning it for another path
    "backtracking": (
        r"\bbacktrack",
        r"\b(?:this|that|it) (?:doesn't|does not|didn't|did not|won't|will not|can't|cannot) work\b",
        r"\bdoesn't work\b|\bnot work(?:ing)?\b|\bno good\b|\b(?:fails|failed)\b",
        _WE + r" (?:try|consider|use) (?:again|another|a different|something else|other)\b",
        r"\btry(?:ing)? (?:again|once more|something else)\b|\bonce more\b",
        r"\b(?:another|a different|a new|different) (?:approach|attempt|idea|route|way|combination|pair|option|number|"
        r"candidate|path|branch|strategy|order|value|operation|possibility|tack|sequence)s?\b",
        r"\bother (?:approach|route|way|combination|pair|option|candidate|path|branch|possibilit)(?:e?s|ies)?\b",
        r"\btry (?:a |an )?(?:different|another|new)\b",
        r"\balternatively\b|\binstead\b(?! of \d)|\brather than (?!\d)|\bwhat about\b",
        r"\bcontradict(?:s|ion|ory)\b",
        r"\b(?:go|going|went) back\b(?! from)|\bback to (?:the )?(?:start|beginning|drawing board|original|previous|earlier|square one)\b",
        r"\breturn(?:ing)? to (?:the )?(?:original|previous|start|beginning|earlier|last)\b",
        r"\b(?:start|starting|begin|beginning) (?:over|again)\b|\brestart",
        r"\b(?:scrap|scratch|forget|discard|abandon(?:ing)?|undo(?:ing)?|revert|redo|retry)\b",
        r"\bdead[- ]end\b|\blead(?:s|ing)? nowhere\b|\bnot leading anywhere\b",
        r"(?:^|[\s\"'(])(?:wait|oops)\b[,.!:]",
        r"\b(?:that's|that is|this is|was|must be) (?:wrong|incorrect|not right|a mistake)\b|\bmade a mistake\b",
        r"\b(?:can't|cannot|can not|won't|isn't|is not) (?:reach|get|give|make|be reached|reachable)\b|\bnot reachable\b",
        r"\b(?:let me|let's|i'll|i should|we should|maybe|perhaps) (?:reconsider|rethink|revisit)\b|\bswap(?:ping)?\b",
    ),
    # splitting the problem into intermediate goals
    "subgoal_setting": (
        r"\bstep (?:\d+|one|two|three)\b\s*[:.)-]?\s*(?=[a-z])",
        r"\bfirst,? (?:let's|let us|let me|i'll|i will|we|i|figure|find|get|make|compute|isolate|reach|fill|deal|handle|solve)\b",
        r"\b(?:let me|let's|i'll|we'll|i will|we will) first\b|\bto (?:start|begin)\b,?|\bstart by\b|\bbegin (?:with|by)\b",
        r"\b(?:get|reach|make|find|compute|fill|do|solve|handle|tackle|build)\b[^.!?\n]{0,30}?\bfirst\b",
        r"\b(?:break|breaking|split|splitting) (?:this|it|the problem|the puzzle) (?:down|into|up)\b|\bin pieces\b",
        r"\bsub-?(?:goal|problem|task|target)s?\b|\bmilestone\b|\bintermediate (?:goal|target|result|step)s?\b",
        r"\b(?:our|the|my) (?:first|next) (?:goal|step|task) is\b|\bthe next thing to\b|\bremaining (?:job|task|goal)\b",
        r"\b(?:my|the|our) (?:plan|aim|objective|strategy)(?: for (?:now|this step))?(?: here)? ?(?:is\b|:)|\bplan of attack\b",
        r"\bgoal for (?:this|the next) step\b|\b(?:smaller|first|next) goal\b",
        r"\b(?:two|three|2|3) (?:stages|steps|parts|phases|halves)\b|\bpart (?:one|two|1|2)\b",
        r"\b(?:i|we)(?:'ll| will)? (?:handle|tackle|focus on|deal with)\b|\bbefore moving on\b|\bseparately\b",
        r"\b(?:aim|want|try|trying|plan|hope) to (?:get|reach|make|produce|build) (?:close to |near )?(?:a |an )?\d+",
        r"\b(?:need|have) to (?:work out|figure out|determine|find out)\b",
    ),
    # reasoning from the goal back towards the givens
    "backward_chaining": (
        r"\bwork(?:ing)? backwards?\b|\bbackwards? (?:from|chaining|reasoning)\b|\bin reverse\b|\breverse approach\b",
        r"\b(?:start|starting) (?:from|with) the (?:target|goal|answer|end)\b|\bwork(?:ing)? from (?:the )?(?:end|target|goal|\d+)",
        r"\bgoing back from the (?:target|goal|end)\b|\bstart with the goal\b",
        r"\b(?:to|in order to) (?:get|reach|make|obtain) (?:the target|the goal|\d+),? (?:we|i) (?:need|must|have to|would need)\b",
        r"\b(?:we|i) need (?:to (?:make|get|find|reach) )?(?:a |an |the )?\d+\b(?! (?:numbers|cells|digits|rows|columns|boxes|times|steps))",
        r"\bwhat (?:do we|would we|we|do i) need\b",
        r"\b(?:the target|\d+) (?:is|=|equals|could be|can be|might be|must be) \d+ ?" + _OP + r" ?\d+\b",
        r"(?<![\d.*/+×-] )(?<![\d.*/+×-])\b\d+ ?= ?\d+ ?[*x×/+-] ?\d+",
        r"\b(?:since|because|as) (?:the|our) (?:target|goal)(?: number)? (?:is|=)|\b(?:since|because) \d+ ?[/-] ?\d+ ?= ?\d+",
        r"\b(?:the )?target (?:minus|plus|divided by|times)\b",
        r"\bwhat (?:would |could |can )?(?:give|gives|produce|produces|make|makes|yield|yields)\b",
        r"\bwhich (?:pair|two numbers|numbers?|combination)s? (?:multipl(?:y|ies)|adds?|sums?|gives?|makes?|produces?)\b",
        r"\b(?:if )?the (?:last|final) (?:step|operation|number|result) (?:is|could|might|must|should|has to|needs to|would)\b",
        r"\bif (?:we|i) want \d+|" + _START + r"to (?:reach|get|make|obtain|end (?:at|with|up (?:at|with))) \d+",
        r"\bfor [\w ]{1,30}? to (?:be|cause|become|equal|hold)\b|\brequires?\b|\bwould have to be\b",
        r"\bwhich (?:number|numbers|digit|value)s? (?:is|are) (?:missing|left)\b",
    ),
}
BEHAVIOURS: tuple[str, ...] = tuple(BEHAVIOUR_PATTERNS)

_COMPILED = {name: re.compile("|".join(f"(?:{p})" for p in patterns), _I) for name, patterns in BEHAVIOUR_PATTERNS.items()}


@lru_cache(maxsize=1)
def _prefiltered() -> dict[str, PrefilteredAlternation]:
    """Each behaviour's alternation (_COMPILED), tried with only the patterns whose required literals
    a text holds: the same matches at a fraction of the cost (harness/parsing/literal_prefilter.py)."""
    return {name: PrefilteredAlternation(tuple(patterns), _I) for name, patterns in BEHAVIOUR_PATTERNS.items()}


_SENTENCE_END = re.compile(r"[.!?\n]+")
MAX_TRACE_CHARS = 2_000_000  # longer texts are cut (behaviours past 2 MB are not counted)

# A family's trace-format hook (Family.trace_format_markers): completion text -> {behaviour: character
# offsets where the family's own trace format marks an instance} (Stream-of-Search "No Solution" lines).
FormatMarkers = Callable[[str], Mapping[str, Sequence[int]]]


def behaviour_sentences(text: str, format_markers: FormatMarkers | None = None) -> dict[str, list[tuple[int, int]]]:
    """{behaviour: [(start, end) of each sentence showing it]} for one completion; total on any string.
    A sentence shows a behaviour when one of its patterns matches starting inside it, or when the
    family's ``format_markers`` hook marks an offset inside it. Each pattern scans the text once."""
    found: dict[str, list[tuple[int, int]]] = {name: [] for name in BEHAVIOURS}
    if not isinstance(text, str):
        return found
    clipped = text[:MAX_TRACE_CHARS]
    lowered = folded(clipped)
    starts: dict[str, list[int]] = {name: alternation.starts(clipped, lowered) for name, alternation in _prefiltered().items()}
    for name, offsets in _format_offsets(clipped, format_markers).items():
        starts[name].extend(offsets)
    if not any(starts.values()):
        return found
    ends = [match.end() for match in _SENTENCE_END.finditer(clipped)]
    for name, offsets in starts.items():
        indices = sorted({bisect.bisect_right(ends, offset) for offset in offsets})
        found[name] = [(ends[i - 1] if i > 0 else 0, ends[i] if i < len(ends) else len(clipped)) for i in indices]
    return found


def _format_offsets(text: str, format_markers: FormatMarkers | None) -> dict[str, list[int]]:
    """The family hook's offsets, kept only where they name a known behaviour and lie in the text (a
    hook that fails marks nothing: the keyword patterns still count)."""
    if format_markers is None:
        return {}
    try:
        marked = format_markers(text)
        return {name: [int(o) for o in offsets if 0 <= int(o) < len(text)]
                for name, offsets in marked.items() if name in BEHAVIOUR_PATTERNS}
    except Exception:  # noqa: BLE001 - a hook bug must not sink the counts
        return {}


def model_written(text: str, inserted: object = ()) -> str:
    """``text`` with the spans a strategy appended blanked to spaces, offsets kept: budget forcing's
    "Wait", end-of-thinking delimiter and answer cue (StrategyOutcome.info["inserted"], [start, end)
    pairs) are the strategy's words, and must count as none of the model's behaviours or thought
    switches. Anything malformed in ``inserted`` is ignored."""
    if not isinstance(text, str) or not isinstance(inserted, (list, tuple)) or not inserted:
        return text if isinstance(text, str) else ""
    chars = list(text)
    for span in inserted:
        if isinstance(span, (list, tuple)) and len(span) == 2 and all(isinstance(i, int) for i in span):
            start, end = max(0, span[0]), min(len(chars), span[1])
            chars[start:end] = " " * max(0, end - start)
    return "".join(chars)


def count_behaviours(text: str, format_markers: FormatMarkers | None = None) -> dict[str, int]:
    """{behaviour: number of sentences showing it} for one completion; total on any string."""
    return {name: len(spans) for name, spans in behaviour_sentences(text, format_markers).items()}


def explain_behaviours(text: str, limit: int = 5, format_markers: FormatMarkers | None = None) -> dict[str, list[str]]:
    """Up to ``limit`` sentences per behaviour (each cut to 200 characters): why the counts are what they are."""
    clipped = text[:MAX_TRACE_CHARS] if isinstance(text, str) else ""
    return {name: [_snippet(clipped[start:end]) for start, end in spans[:limit]]
            for name, spans in behaviour_sentences(clipped, format_markers).items()}


def _snippet(sentence: str, width: int = 200) -> str:
    flat = " ".join(sentence.split())
    return flat if len(flat) <= width else flat[: width - 1] + "\u2026"


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


# ---- thinking efficiency of one completion ------------------------------------------------------

# Words that open a new line of thought (the transition keywords ThinkBench and Retro-Search segment
# traces at, and "Thoughts Are All Over the Place" penalises): a sentence holding one is a switch.
THOUGHT_SWITCH_PATTERNS: tuple[str, ...] = (
    r"\balternatively\b",
    r"(?:^|[\s\"'(>*_])wait\b",  # also right after a tag or markdown: "<think>Wait,"
    r"\blet me (?:reconsider|rethink|re-?examine)\b",
    r"\bon second thought\b|\bhold on\b",
    r"\b(?:another|a different) (?:approach|way|idea|method)\b",
)
_SWITCH = re.compile("|".join(f"(?:{p})" for p in THOUGHT_SWITCH_PATTERNS), _I)
# Thinkless (Fang et al. 2025) models open a completion with a control token choosing the mode.
THINK_MODE_TOKENS: Mapping[str, str] = {"think": "<think>", "short": "<short>"}


def thought_switches(text: str) -> int:
    """Sentences holding a thought-switch keyword ("alternatively", "wait", "let me reconsider", ...)."""
    if not isinstance(text, str):
        return 0
    clipped = text[:MAX_TRACE_CHARS]
    starts = [match.start() for match in _SWITCH.finditer(clipped)]
    if not starts:
        return 0
    ends = [match.end() for match in _SENTENCE_END.finditer(clipped)]
    return len({bisect.bisect_right(ends, start) for start in starts})


def thinking_mode(text: str, tokens: Mapping[str, str] = THINK_MODE_TOKENS) -> str | None:
    """The mode a think/no-think model chose: the name of the control token the completion opens with
    ("think" for "<think>", "short" for "<short>"), None when it opens with neither."""
    if not isinstance(text, str):
        return None
    head = text[:200].lstrip()
    return next((mode for mode, token in tokens.items() if token and head.startswith(token)), None)


@dataclass(frozen=True)
class ThinkingEfficiency:
    """How one completion spent its tokens. ``first_correct_tokens`` is None when no prefix verifies;
    then the tokens after it and the share before it are None too."""

    tokens: int
    first_correct_tokens: int | None
    thought_switches: int
    mode: str | None

    @property
    def tokens_after_first_correct(self) -> int | None:
        return None if self.first_correct_tokens is None else max(0, self.tokens - self.first_correct_tokens)

    @property
    def share_before_first_correct(self) -> float | None:
        if self.first_correct_tokens is None or self.tokens <= 0:
            return None
        return min(1.0, self.first_correct_tokens / self.tokens)

    def to_json(self) -> dict[str, object]:
        return {"tokens": self.tokens, "first_correct_tokens": self.first_correct_tokens,
                "tokens_after_first_correct": self.tokens_after_first_correct,
                "share_before_first_correct": self.share_before_first_correct,
                "thought_switches": self.thought_switches, "mode": self.mode}


def thinking_efficiency(text: str, completion_tokens: int, is_correct: Callable[[str], bool],
                        markers: Sequence[str] = (), count_tokens: Callable[[str], int] | None = None,
                        inserted: object = ()) -> ThinkingEfficiency:
    """The efficiency readings of one completion (the family's verifier as ``is_correct``, its answer
    ``markers``): tokens to the first correct answer, switches (in what the model wrote: ``inserted``
    spans, a strategy's own words, are left out; see model_written), mode."""
    text = text if isinstance(text, str) else ""
    position = first_correct_position(text, is_correct, markers)
    first = None if position is None else tokens_at_position(text, position, completion_tokens, count_tokens)
    return ThinkingEfficiency(int(completion_tokens), first, thought_switches(model_written(text, inserted)), thinking_mode(text))


# ---- the labelled set the detector is measured on ---------------------------------------------

LABELS_FILE = "behaviour_labels.json"
LABEL_SETS = ("held_out", "development")


def labelled_examples(set_name: str = "held_out") -> list[dict[str, object]]:
    """The labelled items of one set of behaviour_labels.json ({id, family, text, labels}): "held_out"
    (written after the patterns were frozen: the figures to quote) or "development" (seen while the
    patterns were drafted: optimistic)."""
    import json
    from pathlib import Path

    if set_name not in LABEL_SETS:
        raise ValueError(f"unknown labelled set '{set_name}'; sets: {', '.join(LABEL_SETS)}")
    document = json.loads((Path(__file__).with_name(LABELS_FILE)).read_text(encoding="utf-8"))
    return list(document["sets"][set_name])
