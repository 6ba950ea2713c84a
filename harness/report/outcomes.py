"""One outcome per sample line, for the report's filter: right, wrong, unparseable, truncated, error.

The rule is the engine's, the same for every family, and only reads what samples.jsonl holds:
  error        the backend gave up on the request (the sample is not scored)
  right        the per-sample primary metric is >= 0.5 (for 0/1 metrics: correct; for a mean
               over several completions: most completions correct)
  truncated    not right, and at least one completion was cut off by the token limit
  unparseable  not right, not truncated, and at least one completion gave no extractable answer
  wrong        everything else: an answer was extracted and it is wrong
The order makes the reason for a failure visible: a cut-off answer is usually also unparseable,
and "truncated" says why.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

OUTCOMES = ("right", "wrong", "unparseable", "truncated", "error")
RIGHT_AT = 0.5


def sample_outcome(line: Mapping[str, Any], primary_metric: str) -> str:
    if line.get("error"):
        return "error"
    value = (line.get("scores") or {}).get(primary_metric)
    if isinstance(value, (int, float)) and not math.isnan(value) and value >= RIGHT_AT:
        return "right"
    if any(line.get("truncated") or ()):
        return "truncated"
    answers = line.get("answers") or []
    if "responses" in line and (not answers or any(answer is None for answer in answers)):
        return "unparseable"
    return "wrong"
