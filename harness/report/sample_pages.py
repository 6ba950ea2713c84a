"""`harness view`'s pages of every sample of a run, read from its samples.jsonl on demand:

    /runs/<folder>/samples?page=K&size=S&task=T&outcome=O   S lines a page (default 50, at most 500)
    /runs/<folder>/samples?line=N&part=K                    one line, its completions 50 at a time

Why: report.html embeds a bounded selection of a big run's samples (harness/report/sample_data.py
select_for_page); a researcher still needs to reach any sample. A page reads only its own lines
through the line index (harness/report/sample_index.py, 8 bytes per line, kept for the last
MAX_INDEXES files); filtering by task or outcome parses every line once per version of the file.
Texts are capped (the cap is stated) and a line shows its first COMPLETIONS_SHOWN completions, so
a page stays small however long the responses are. Everything is rendered through the autoescaping
templates (harness/report/templating.py): model text is shown, never run.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from harness.core.errors import HarnessError
from harness.report.outcomes import OUTCOMES, sample_outcome
from harness.report.sample_data import MAX_TEXT_CHARS, cap_text, compact_json
from harness.report.sample_index import LineIndex, file_version, index_lines

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
COMPLETIONS_SHOWN = 4  # per line on a list page; the line's own page shows every one
PART_SIZE = 50  # completions per part of a line's own page
LIST_TEXT_CHARS = 4_000  # per text on a list page (MAX_TEXT_CHARS on a line's own page)
MAX_INDEXES = 16  # line indexes kept (one per samples.jsonl, the most recently used)


def whole_number(query: Mapping[str, Sequence[str]], name: str, default: int) -> int:
    values = query.get(name) or [""]
    text = values[0].strip()
    if not text:
        return default
    if not text.isdigit() or len(text) > 12:
        raise HarnessError(f"{name} must be a whole number, not {text[:40]!r}")
    return int(text)


def choice(query: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = query.get(name) or [""]
    return values[0] or None


class SamplePages:
    """The line indexes of the run folders' samples.jsonl, and the pages built from them."""

    def __init__(self) -> None:
        self._indexes: OrderedDict[Path, LineIndex] = OrderedDict()
        self._locks: dict[Path, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, path: Path) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(path, threading.Lock())

    def index(self, path: Path, primaries: Mapping[str, str] | None = None) -> LineIndex:
        """The index of ``path`` as it is now (indexed again when its inode, size or mtime changed);
        with ``primaries``, its filters built too."""
        with self._lock(path):
            with self._guard:
                kept = self._indexes.get(path)
            if kept is None or kept.version != file_version(path):
                kept = index_lines(path)
            if primaries is not None:
                kept.with_filters(primaries)
            with self._guard:
                self._indexes[path] = kept
                self._indexes.move_to_end(path)
                while len(self._indexes) > MAX_INDEXES:
                    self._indexes.popitem(last=False)
            return kept

    def page(self, run_name: str, run_dir: Path, query: Mapping[str, Sequence[str]]) -> str:
        """The HTML of the page ``query`` asks for (a list page, or one line's page with ``line``)."""
        from harness.report.run_folder import read_metrics

        rows = read_metrics(run_dir, verified=True)
        primaries = {row["task"]: row["primary_metric"] for row in rows}
        if query.get("line"):
            return self._line_page(run_name, run_dir, primaries, query)
        page = whole_number(query, "page", 1)
        size = min(MAX_PAGE_SIZE, max(1, whole_number(query, "size", PAGE_SIZE)))
        task, outcome = choice(query, "task"), choice(query, "outcome")
        if outcome is not None and outcome not in OUTCOMES:
            raise HarnessError(f"outcome must be one of {', '.join(OUTCOMES)}, not {outcome[:40]!r}")
        filtered = task is not None or outcome is not None
        index = self.index(run_dir / "samples.jsonl", primaries if filtered else None)
        filters = index.filters if filtered else None
        matching = filters.matching(task, outcome) if filters is not None else None
        total = len(matching) if matching is not None else len(index)
        pages = max(1, -(-total // size))
        if page < 1 or page > pages:
            raise HarnessError(f"page {page} is out of range: this view has {pages} page{'s' if pages != 1 else ''}"
                               f" ({total:,} line{'s' if total != 1 else ''}, {size} a page)")
        first = (page - 1) * size
        positions = matching[first:first + size] if matching is not None else range(first, min(total, first + size))
        samples = [shown_sample(line, number, primaries, LIST_TEXT_CHARS, 0, COMPLETIONS_SHOWN)
                   for _, number, line in index.read(list(positions))]
        params = {"size": size if size != PAGE_SIZE else None, "task": task, "outcome": outcome}

        def href(to: int) -> str:
            return "samples?" + urlencode({k: v for k, v in {"page": to, **params}.items() if v is not None})

        tasks = list(dict.fromkeys([*primaries, *(filters.tasks if filters is not None else [])]))
        nav = {"first": href(1) if page > 1 else None, "prev": href(page - 1) if page > 1 else None,
               "next": href(page + 1) if page < pages else None, "last": href(pages) if page < pages else None}
        from harness.report.templating import render

        return render("view_samples.html", title=f"samples: {run_name}", run_name=run_name, single=None,
                      all_lines=len(index), total=total, page=page, pages=pages, size=size, first=first,
                      task=task or "", outcome=outcome or "", tasks=tasks, outcomes=OUTCOMES,
                      counts=filters.counts() if filters is not None and task is None else None,
                      samples=samples, nav=nav, text_chars=LIST_TEXT_CHARS, max_size=MAX_PAGE_SIZE, shown=COMPLETIONS_SHOWN)

    def _line_page(self, run_name: str, run_dir: Path, primaries: Mapping[str, str], query: Mapping[str, Sequence[str]]) -> str:
        from harness.report.templating import render

        index = self.index(run_dir / "samples.jsonl")
        number = whole_number(query, "line", 1)
        position = index.position_of(number)
        if position is None:
            raise HarnessError(f"samples.jsonl has no sample on line {number} ({len(index):,} lines)")
        part = whole_number(query, "part", 1)
        ((_, _, line),) = list(index.read([position]))
        completions = completion_count(line)
        parts = max(1, -(-completions // PART_SIZE))
        if part < 1 or part > parts:
            raise HarnessError(f"part {part} is out of range: line {number} has {parts} part{'s' if parts != 1 else ''}"
                               f" ({completions:,} completions, {PART_SIZE} a part)")
        sample = shown_sample(line, number, primaries, MAX_TEXT_CHARS, (part - 1) * PART_SIZE, PART_SIZE)

        def href(to: int) -> str:
            return "samples?" + urlencode({"line": number, "part": to})

        nav = {"first": href(1) if part > 1 else None, "prev": href(part - 1) if part > 1 else None,
               "next": href(part + 1) if part < parts else None, "last": href(parts) if part < parts else None}
        return render("view_samples.html", title=f"samples: {run_name} line {number}", run_name=run_name,
                      single={"number": number, "part": part, "parts": parts, "completions": completions, "size": PART_SIZE},
                      all_lines=len(index), samples=[sample], nav=nav, text_chars=MAX_TEXT_CHARS, outcomes=OUTCOMES)


def completion_count(line: Mapping[str, Any]) -> int:
    texts = line.get("responses") if "responses" in line else line.get("continuations")
    return len(texts) if isinstance(texts, list) else 0


def _item(values: Any, i: int) -> Any:
    return values[i] if isinstance(values, list) and i < len(values) else None


def shown_sample(line: Mapping[str, Any], number: int, primaries: Mapping[str, str], text_chars: int,
                 start: int, count: int) -> dict[str, Any]:
    """What a page shows of one samples.jsonl line: its completions ``start`` .. ``start+count``, texts
    cut at ``text_chars`` (the cut is stated, with the line that holds the rest)."""
    task = str(line.get("task", ""))
    prompt = line.get("prompt")
    if isinstance(prompt, list):
        turns = [(str(m.get("role", "")) if isinstance(m, dict) else "", cap_text(m.get("content") if isinstance(m, dict) else m, number, text_chars))
                 for m in prompt]
    else:
        turns = [("text", cap_text(prompt, number, text_chars))]
    kind = "responses" if "responses" in line else "continuations"
    found = line.get(kind)
    texts: list[Any] = found if isinstance(found, list) else []
    answers, finish, scores = line.get("answers"), line.get("finish_reasons"), line.get("completion_scores")
    likelihoods, reasoning = line.get("loglikelihoods"), line.get("reasoning")
    completions = []
    for i in range(start, min(len(texts), start + count)):
        answer = _item(answers, i)
        completions.append({
            "index": i + 1, "text": cap_text(texts[i], number, text_chars),
            "answer": None if answer is None else compact_json(answer, number),
            "no_answer": isinstance(answers, list) and i < len(answers) and answer is None,
            "finish": _item(finish, i), "scores": compact_json(_item(scores, i), number) if _item(scores, i) is not None else None,
            "loglikelihood": _item(likelihoods, i),
            "reasoning": cap_text(_item(reasoning, i), number, text_chars) if _item(reasoning, i) else None,
        })
    reasons = line.get("unparsed_reasons")
    return {
        "number": number, "id": str(line.get("id", "")), "task": task,
        "outcome": sample_outcome(line, primaries.get(task, "")),
        "scores": compact_json(line.get("scores") or {}, number),
        "error": cap_text(line["error"], number, 2_000) if line.get("error") else None,
        "prompt": turns, "kind": kind, "completions": completions, "count": len(texts),
        "hidden": max(0, len(texts) - len(completions)),
        "unparsed": [cap_text(str(r), number, 300) for r in reasons] if isinstance(reasons, list) else [],
        "sample": compact_json(line.get("sample"), number, text_chars),
        "tokens": (line.get("prompt_tokens", 0), line.get("completion_tokens", 0)),
        "href": "samples?" + urlencode({"line": number}),
    }
