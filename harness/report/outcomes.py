"""One outcome per sample line, for the report's filter: right, wrong, unparseable, truncated, error,
control.

The rule is the engine's, the same for every family, and only reads what samples.jsonl holds:
  error        the backend gave up on the request (the sample is not scored)
  control      a control probe (a family names its scores control_<metric>, e.g. the reversal
               curse's randomized probes) that behaved as a control should: control_<primary> < 0.5.
               One that scored >= 0.5 is "wrong": the model gave the control's target
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

OUTCOMES = ("right", "wrong", "unparseable", "truncated", "error", "control")
CONTROL_PREFIX = "control_"
RIGHT_AT = 0.5


def sample_outcome(line: Mapping[str, Any], primary_metric: str) -> str:
    if line.get("error"):
        return "error"
    scores = line.get("scores") or {}
    value = scores.get(primary_metric)
    if isinstance(value, (int, float)) and not math.isnan(value) and value >= RIGHT_AT:
        return "right"
    control = scores.get(CONTROL_PREFIX + primary_metric)
    if primary_metric not in scores and isinstance(control, (int, float)):
        return "control" if control < RIGHT_AT else "wrong"
    if any(line.get("truncated") or ()):
        return "truncated"
    answers = line.get("answers") or []
    if "responses" in line and (not answers or any(answer is None for answer in answers)):
        return "unparseable"
    return "wrong"
