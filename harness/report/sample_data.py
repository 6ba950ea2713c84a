"""The sample browser's data: samples.jsonl turned into a compact, compressed blob for report.html.

Why this shape: a 10 000-sample run must open in a browser in well under two seconds from a file
of reasonable size. So every distinct long string (prompt turns, responses, few-shot chats that
repeat in every sample) is stored once in a string table, each text is capped at MAX_TEXT_CHARS
(the rest is named, with the samples.jsonl line holding it), and the JSON is gzip-compressed
(deterministically: no timestamp) and base64-encoded. The page inflates it with the browser's own
DecompressionStream. Nothing here knows a family: groups, gold answers and trace behaviours come
from the caller (the family's hooks).

A run of more than MAX_EMBEDDED_SAMPLES lines (a pass@k study holds hundreds of thousands) embeds a
bounded selection instead (select_for_page): every failure of each kind up to FAILURES_PER_KIND,
then a seeded choice among the rest, in file order; lines holding many completions each (a pass@k
study's) are embedded fewer, about MAX_EMBEDDED_COMPLETIONS completions in all (page_limits). The page says so and links samples.jsonl, so
the page builds in seconds and stays a few MB at any N; the metrics, tables and figures are always
computed from every line.
"""

from __future__ import annotations

import base64
import gzip
import json
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from harness.core.jsontext import dumps
from harness.report.outcomes import sample_outcome

MAX_TEXT_CHARS = 20_000  # per text in the page; longer texts are cut and the cut is stated
MAX_FIELD_CHARS = 4_000  # per JSON value shown (answers, gold, sample fields)
MAX_EMBEDDED_SAMPLES = 2_000  # a run with more lines embeds a selection of this many (select_for_page)
FAILURES_PER_KIND = 250  # of those, every wrong / unparseable / truncated / error line up to this many each
FAILURE_KINDS = ("wrong", "unparseable", "truncated", "error")
MAX_EMBEDDED_COMPLETIONS = 20_000  # a pass@k line holds every completion of its problem: fewer such lines are embedded
SELECTION_SEED = 0


class StringTable:
    """Interns strings: equal texts are stored once and referred to by index."""

    def __init__(self) -> None:
        self.strings: list[str] = []
        self._index: dict[str, int] = {}

    def add(self, text: str) -> int:
        index = self._index.get(text)
        if index is None:
            index = self._index[text] = len(self.strings)
            self.strings.append(text)
        return index


def cap_text(text: Any, line_number: int, limit: int = MAX_TEXT_CHARS) -> str:
    text = "" if text is None else str(text)
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[... {len(text) - limit:,} more characters not embedded; full text in samples.jsonl line {line_number}]"


def compact_json(value: Any, line_number: int, limit: int = MAX_FIELD_CHARS) -> str:
    """A value as JSON text for display (a plain string as itself), capped like texts are."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return cap_text(text, line_number, limit)


def sample_record(line: Mapping[str, Any], line_number: int, table: StringTable, task_index: int, primary: str,
                  groups: Iterable[str], gold: Any, behaviours: list[dict[str, int]] | None) -> dict[str, Any]:
    """One sample for the page; short keys because there can be tens of thousands."""
    prompt = line.get("prompt")
    if isinstance(prompt, list):
        turns = [[str(m.get("role", "")), table.add(cap_text(m.get("content"), line_number))] for m in prompt]
    else:
        turns = [["text", table.add(cap_text(prompt, line_number))]]
    record: dict[str, Any] = {
        "t": task_index,
        "i": str(line.get("id", "")),
        "o": sample_outcome(line, primary),
        "g": list(groups),
        "p": turns,
        "s": line.get("scores") or {},
        "n": line_number,
    }
    if "responses" in line:
        record["r"] = [table.add(cap_text(text, line_number)) for text in line.get("responses") or []]
        record["f"] = line.get("finish_reasons") or []
    if "continuations" in line:
        record["c"] = [table.add(cap_text(text, line_number)) for text in line["continuations"]]
        record["l"] = line.get("loglikelihoods") or []
    record["a"] = [None if answer is None else compact_json(answer, line_number) for answer in line.get("answers") or []]
    if line.get("unparsed_reasons"):
        record["u"] = [cap_text(str(reason), line_number, 300) for reason in line["unparsed_reasons"]]
    if line.get("completion_scores"):
        record["cs"] = line["completion_scores"]
    if line.get("reasoning"):
        record["rs"] = [table.add(cap_text(text, line_number)) for text in line["reasoning"]]
    if gold is not None:
        record["y"] = compact_json(gold, line_number)
    if behaviours is not None:
        record["b"] = behaviours
    record["k"] = [line.get("prompt_tokens", 0), line.get("completion_tokens", 0)]
    if line.get("error"):
        record["e"] = cap_text(line["error"], line_number, 2_000)
    record["x"] = table.add(compact_json(line.get("sample"), line_number, MAX_TEXT_CHARS))
    return record


def select_for_page(lines: Sequence[tuple[int, Mapping[str, Any]]], outcome_of: Callable[[Mapping[str, Any]], str],
                    limit: int = MAX_EMBEDDED_SAMPLES, per_kind: int = FAILURES_PER_KIND,
                    seed: int = SELECTION_SEED) -> tuple[list[tuple[int, Mapping[str, Any]]], dict[str, Any] | None]:
    """The lines the page embeds, and a description of the selection (None: every line). Up to
    ``limit`` lines: the first ``per_kind`` of each failure kind, then a seeded choice among the
    others; kept in file order. Deterministic: the same file gives the same selection."""
    kept, selection = select_positions([outcome_of(line) for _, line in lines], limit, per_kind, seed)
    return [lines[position] for position in kept], selection


def page_limits(lines: int, completions: int) -> tuple[int, int]:
    """(lines, failures per kind) a page embeds: MAX_EMBEDDED_SAMPLES and FAILURES_PER_KIND, scaled
    down when the lines hold many completions each (the mean, rounded up) so the page holds about
    MAX_EMBEDDED_COMPLETIONS at most; at least one line. A run of at most 20 000 completions is
    unaffected."""
    per_line = max(1, -(-completions // max(1, lines)))
    limit = min(MAX_EMBEDDED_SAMPLES, max(1, MAX_EMBEDDED_COMPLETIONS // per_line))
    return limit, min(FAILURES_PER_KIND, max(1, limit * FAILURES_PER_KIND // MAX_EMBEDDED_SAMPLES))


def select_positions(outcomes: Sequence[str], limit: int = MAX_EMBEDDED_SAMPLES, per_kind: int = FAILURES_PER_KIND,
                     seed: int = SELECTION_SEED) -> tuple[list[int], dict[str, Any] | None]:
    """select_for_page from the lines' outcomes alone (the positions of the lines to embed, in file
    order), so a report can choose in one pass over samples.jsonl and read back only those lines."""
    if len(outcomes) <= limit:
        return list(range(len(outcomes))), None
    taken = dict.fromkeys(FAILURE_KINDS, 0)
    chosen: set[int] = set()
    for position, outcome in enumerate(outcomes):
        if outcome in taken and taken[outcome] < per_kind:
            taken[outcome] += 1
            chosen.add(position)
    rest = [position for position in range(len(outcomes)) if position not in chosen]
    chosen.update(random.Random(seed).sample(rest, min(len(rest), max(0, limit - len(chosen)))))
    kept = sorted(chosen)
    totals: dict[str, int] = {}
    embedded: dict[str, int] = {}
    for outcome in outcomes:
        totals[outcome] = totals.get(outcome, 0) + 1
    for position in kept:
        embedded[outcomes[position]] = embedded.get(outcomes[position], 0) + 1
    return kept, {
        "embedded": len(kept), "total": len(outcomes), "per_kind": per_kind, "seed": seed,
        "outcomes": [(name, embedded.get(name, 0), count) for name, count in totals.items()],
    }


def encode_blob(data: Mapping[str, Any]) -> str:
    """gzip (mtime 0, so the same data gives the same bytes) + base64 of compact JSON."""
    raw = dumps(data, separators=(",", ":"), default=str).encode("utf-8")  # lone surrogates as escapes
    return base64.b64encode(gzip.compress(raw, compresslevel=6, mtime=0)).decode("ascii")


def build_sample_data(lines: Iterable[tuple[int, Mapping[str, Any]]], task_names: list[str], primaries: Mapping[str, str],
                      groups_of: Callable[[str, Mapping[str, Any]], list[str]],
                      gold_of: Callable[[str, Mapping[str, Any]], Any],
                      behaviours_of: Callable[[str, Mapping[str, Any]], list[dict[str, int]] | None]) -> dict[str, Any]:
    """{'tasks': [...], 'strings': [...], 'samples': [...]} for the page."""
    table = StringTable()
    index = {name: i for i, name in enumerate(task_names)}
    samples = []
    for number, line in lines:
        task = str(line.get("task", ""))
        if task not in index:
            index[task] = len(task_names)
            task_names.append(task)
        samples.append(sample_record(line, number, table, index[task], primaries.get(task, ""),
                                     groups_of(task, line), gold_of(task, line), behaviours_of(task, line)))
    return {"tasks": task_names, "strings": table.strings, "samples": samples}
