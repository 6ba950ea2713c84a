"""What a run will do, said before it starts: tasks, samples, requests, the token cap, and an estimate
of time and tokens from what the same model cost before (the response cache's history), so a
100-sample default or an `all` suite is never a silent multi-hour surprise."""

from __future__ import annotations

from collections.abc import Sequence

from harness.core.errors import counted
from harness.pipeline.cache import ResponseCache
from harness.pipeline.execute import Lookup
from harness.pipeline.plan import PlannedTask, RunSpec
from harness.pipeline.samples import DEFAULT_GENERATED


def preview_lines(spec: RunSpec, planned: Sequence[PlannedTask], lookups: Sequence[Lookup], cache: ResponseCache,
                  cache_name: str) -> list[str]:
    """The lines to print before a run asks anything (none when every answer is cached)."""
    to_ask = sum(len(lookup.missing) for lookup in lookups)
    if not to_ask:
        return []
    samples = sum(len(item.samples) for item in planned)
    requests = sum(len(item.requests) for item in planned)
    lines = [f"plan: {counted(len(planned), 'task')}, {counted(samples, 'sample')}, {counted(requests, 'request')}"
             f" ({to_ask} to ask, {requests - to_ask} cached) on {spec.model}"]
    width = max(len(item.task.name) for item in planned)
    seconds, tokens, known = 0.0, 0.0, True
    for item, lookup in zip(planned, lookups):
        lines.append(f"  {item.task.name.ljust(width)}  {_task_line(spec, item)}")
        cost = cache.cost_per_request(cache_name, item.task.name) or cache.cost_per_request(cache_name)
        if cost is None:
            known = known and not lookup.missing
            continue
        seconds += cost[0] * len(lookup.missing)
        tokens += cost[1] * len(lookup.missing)
    if known:
        lines.append(f"estimate: about {_duration(seconds)} and {_tokens(tokens)} tokens, from this cache's history of {spec.model}")
    else:
        lines.append(f"estimate: none yet (no earlier answers of {spec.model} in this cache to time)")
    return lines


def _task_line(spec: RunSpec, item: PlannedTask) -> str:
    n = len(item.samples)
    default_note = ""
    if spec.limit is None and spec.data is None and item.task.family.generate is not None and n == DEFAULT_GENERATED:
        default_note = f" (no --limit: the default {DEFAULT_GENERATED})"
    request = item.requests[0] if item.requests else None
    if request is None:
        return counted(n, "sample")
    if request.kind == "loglikelihood":
        cap = f"log-likelihoods of {counted(len(request.continuations), 'continuation')} each"
    else:
        completions = request.settings.n
        cap = f"up to {request.settings.max_tokens} new tokens x {counted(completions, 'completion')} each"
    return f"{counted(n, 'sample')}{default_note}, {cap}"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def _tokens(tokens: float) -> str:
    return f"{tokens / 1e6:.1f}M" if tokens >= 1e6 else f"{tokens / 1e3:.0f}k" if tokens >= 1e4 else f"{round(tokens)}"
