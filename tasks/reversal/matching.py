"""The reversal-curse papers' text rules, as pure total functions.

Every function here takes any string (huge, unicode, hostile) and returns quickly without raising:
they only split, compare prefixes and lower-case. Nothing here knows about files, prompts or backends.

- `is_celebrity_answer_correct`: the released test_parent_child_pairs.py rule (`query_parent_test` /
  `query_child_test`): the raw reply starts with the gold name (case-sensitive), nothing else.
- `parse_celebrity_response`: the filter the authors used to *build* the dataset from model answers
  (parent_reversals.py): a reply counts as a name only if it does not start with "I don", has 2..5
  words, and every word starts with an upper-case character. Not part of the test rule.
- `is_filtered_celebrity_answer_correct`: the stricter reading, parse_response and then startswith.
- `first_two_words` / `is_startswith_match`: the fictitious-facts evaluator: a completion is correct iff
  completion.strip().lower() starts with target.strip().lower(); name targets are their first two words.
"""

from __future__ import annotations

UNKNOWN_ANSWER = "I don't know."
UNKNOWN_PREFIX = UNKNOWN_ANSWER[:5]  # "I don": the paper rejects every reply starting with it
MIN_NAME_WORDS, MAX_NAME_WORDS = 2, 5
# A celebrity reply longer than this cannot have <= 5 words of any sensible length; cutting first keeps
# str.split() cheap on megabyte-long replies without changing any verdict a real name could get.
MAX_REPLY_CHARS = 4_000


def parse_celebrity_response(response: str) -> str | None:
    """The reply if it looks like a name under the paper's rules, else None (unknown / not a name).

    The reply is stripped of surrounding whitespace first (API chat models never send any; local
    chat templates sometimes do), otherwise the rules are the paper's exactly.
    """
    text = response.strip()
    if len(text) > MAX_REPLY_CHARS:
        return None
    words = text.split()
    if text.startswith(UNKNOWN_PREFIX) or not MIN_NAME_WORDS <= len(words) <= MAX_NAME_WORDS:
        return None
    if not all(word[0].isupper() for word in words):
        return None
    return text


def is_celebrity_answer_correct(response: str, gold: str) -> bool:
    """The paper's test rule: a sample counts iff ``response.startswith(gold)`` (the released
    query_parent_test / query_child_test), so "Ron Donachie is his father." counts for "Ron Donachie"."""
    return response.startswith(gold)


def is_filtered_celebrity_answer_correct(response: str, gold: str) -> bool:
    """The stricter reading: parse_response(sample) is not None and it starts with the gold name
    (replies that are not a bare 2-5 word name, like "Ron Donachie is his father.", do not count)."""
    parsed = parse_celebrity_response(response)
    return parsed is not None and parsed.startswith(gold)


def first_two_words(completion: str) -> str:
    """A name target cut to its first two words, keeping the completion's leading whitespace
    (" Uriah Hawthorne now enjoys a quiet life." -> " Uriah Hawthorne")."""
    leading = completion[: len(completion) - len(completion.lstrip())]
    return leading + " ".join(completion.split()[:2])


def looks_like_name_target(completion: str) -> bool:
    """True when a completion starts with two capitalised words (a person's name), False for a
    description ("the acclaimed ...", "directed ..."). Used only for files that mix both kinds."""
    words = completion.split()[:2]
    return len(words) == 2 and all(word[:1].isupper() for word in words)


def is_startswith_match(completion: str, target: str) -> bool:
    """The fictitious-facts accuracy rule: case-insensitive startswith after stripping both."""
    expected = target.strip().lower()
    # Only the first len(target) + a margin characters can matter; lower() of a 1 MB string is
    # cheap anyway, but slicing first keeps the cost bounded by the target, not the reply.
    observed = completion.strip()[: len(expected) + 64].lower()
    return observed.startswith(expected)


def contains_match(completion: str, target: str) -> bool:
    """Looser in-context extra: the target appears anywhere in the reply (case-insensitive)."""
    expected = target.strip().lower()
    return bool(expected) and expected in completion.lower()
