"""The keyword detector's behaviour counts of a run folder's completions, counted once and kept
beside samples.jsonl (behaviour_counts.bin), so no report counts them again.

Why: the detector (harness.parsing.traces) costs about a millisecond per completion, nine tenths
of a report's CPU; `harness run` and `harness score` write report.html right after their commit, so
that first report counts and stores the counts, and every later `report --html` or `harness view`
reads them. The file is a cache, never a source: it is not in manifest.json's hashes, and it is used
only when its key matches exactly: samples.jsonl's size and sha256, and the detector's fingerprint
(the source of the detector, its prefilter and this module, BEHAVIOUR_PATTERNS, the Python version,
and per task its family and that family's marker hook with its module's source). A body checksum and a per-line
shape check (the number of responses each line has) catch a damaged or foreign file. Anything that
does not match is ignored and counted again, then rewritten; a folder on read-only storage just
counts every time. Layout (docs/run-folder.md): one JSON header line, then little-endian int32s,
per line of samples.jsonl its number of counted responses (-1: not counted), then that many rows of
one count per behaviour in BEHAVIOURS order.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from array import array
from collections.abc import Mapping
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, cast

from harness.parsing.traces import BEHAVIOURS

CACHE_NAME = "behaviour_counts.bin"
CACHE_FORMAT = 1
NOT_COUNTED = -1  # a line whose task's family reads no traces, or that has no responses field
_MISS = object()  # no cached counts for this line: count it


def reads_traces(family: Any) -> bool:
    """Families whose completions are searches worth reading for behaviours (they declare answer
    markers inside traces, or trace-format markers)."""
    return family is not None and bool(family.trace_markers or family.behaviour_markers)


def count_line(family: Any, line: Mapping[str, Any]) -> list[dict[str, int]] | None:
    """The keyword detector's behaviour counts per response of one sample line (None: not a line
    the detector reads). A strategy's own words (budget forcing's inserted spans, in the first
    response) are blanked first: they are not the model's behaviours."""
    if not reads_traces(family) or "responses" not in line:
        return None
    from harness.parsing.traces import count_behaviours, model_written

    info = line.get("strategy_info")
    inserted = (info.get("inserted") if isinstance(info, dict) else None) or ()
    return [count_behaviours(model_written(text or "", inserted if index == 0 else ()), family.behaviour_markers)
            for index, text in enumerate(line.get("responses") or [])]


def _shape(family: Any, line: Mapping[str, Any]) -> int:
    """How many count rows count_line gives for ``line`` (NOT_COUNTED for None), without counting."""
    if not reads_traces(family) or "responses" not in line:
        return NOT_COUNTED
    return len(line.get("responses") or [])


@lru_cache(maxsize=64)
def _source_digest(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _module_digest(module_name: str) -> str | None:
    module = sys.modules.get(module_name)
    path = getattr(module, "__file__", None)
    return _source_digest(path) if isinstance(path, str) else None


def detector_fingerprint(families: Mapping[str, Any]) -> str | None:
    """A digest of everything a count depends on besides the text; None when a source file cannot be
    read (then nothing is cached: a fingerprint that missed a change would be trusted stale)."""
    from harness.parsing import traces

    sources = [_module_digest(traces.__name__), _module_digest("harness.parsing.literal_prefilter"), _module_digest(__name__)]
    parts: list[Any] = [CACHE_FORMAT, list(BEHAVIOURS), {k: list(v) for k, v in traces.BEHAVIOUR_PATTERNS.items()},
                        traces.MAX_TRACE_CHARS, traces._SENTENCE_END.pattern, list(sys.version_info[:2])]
    for task in sorted(families):
        family = families[task]
        hook = getattr(family, "behaviour_markers", None)
        hook_id = None
        if hook is not None:
            bound: list[Any] = []
            while isinstance(hook, partial):
                bound.append([repr(hook.args), repr(sorted(hook.keywords.items()))])
                hook = hook.func
            module, name = getattr(hook, "__module__", None), getattr(hook, "__qualname__", None)
            hook_id = [module, name, bound]
            sources.append(_module_digest(module) if isinstance(module, str) and isinstance(name, str) else None)
        parts.append([task, getattr(family, "name", None), reads_traces(family), hook_id])
    if None in sources:
        return None
    return hashlib.sha256(json.dumps([parts, sources], sort_keys=True, default=repr).encode("utf-8")).hexdigest()


def cache_key(samples: Path, samples_sha256: str | None, families: Mapping[str, Any]) -> dict[str, Any] | None:
    """What a cache file must name to be used for ``samples`` (None: do not cache)."""
    fingerprint = detector_fingerprint(families)
    if fingerprint is None or not samples.is_file():
        return None
    if samples_sha256 is None:
        from harness.core.files import file_sha256

        samples_sha256 = file_sha256(samples)
    return {"format": CACHE_FORMAT, "samples_size": samples.stat().st_size, "samples_sha256": samples_sha256,
            "detector": fingerprint}


def read_cache(path: Path, key: Mapping[str, Any]) -> array | None:
    """The cached body (int32s) when ``path`` holds a whole cache for ``key``; None for anything else
    (missing, other key, truncated, damaged), never an error."""
    try:
        with path.open("rb") as handle:
            header = json.loads(handle.readline(4096).decode("utf-8"))
            if not isinstance(header, dict) or any(header.get(name) != value for name, value in key.items()):
                return None
            raw = handle.read()
        if len(raw) != header.get("body_bytes") or len(raw) % 4 or hashlib.sha256(raw).hexdigest() != header.get("body_sha256"):
            return None
        body = array("i")
        body.frombytes(raw)
        if sys.byteorder != "little":
            body.byteswap()
        return body
    except (OSError, ValueError, UnicodeDecodeError, AttributeError, TypeError):
        return None


def write_cache(path: Path, key: Mapping[str, Any], body: array) -> bool:
    """Write the cache atomically (a temporary name of its own, then rename); False when the folder
    is not writable: a cache that cannot be kept is not an error."""
    import tempfile

    data = array("i", body)
    if sys.byteorder != "little":
        data.byteswap()
    raw = data.tobytes()
    header = {**key, "behaviours": list(BEHAVIOURS), "body_bytes": len(raw), "body_sha256": hashlib.sha256(raw).hexdigest()}
    tmp = None
    try:
        handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(handle, "wb") as out:
            out.write(json.dumps(header, sort_keys=True).encode("utf-8") + b"\n")
            out.write(raw)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        return True
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        return False


class BehaviourCounts:
    """``behaviours_of(task, line)`` for a pass over a run folder's samples.jsonl in file order, one
    call per line: the cached counts while the cache matches, the detector's otherwise; ``save()``
    then writes the cache unless it was used whole. ``families``: {task: Family};
    ``samples_sha256``: samples.jsonl's digest when the caller has just verified it (else it is
    computed)."""

    def __init__(self, run_dir: Path, families: Mapping[str, Any], samples_sha256: str | None = None) -> None:
        self.path = Path(run_dir) / CACHE_NAME
        self.families = families
        self.key = cache_key(Path(run_dir) / "samples.jsonl", samples_sha256, families)
        self._cached = read_cache(self.path, self.key) if self.key is not None else None
        self._at = 0  # the next int of the cached body
        self._body = array("i")  # what the cache will hold, built as the lines go by
        self.counted = 0  # lines the detector read in this pass (not from the cache)
        self.reused = 0  # lines whose counts came from the cache

    def __call__(self, task: str, line: Mapping[str, Any]) -> list[dict[str, int]] | None:
        family = self.families.get(task)
        taken = self._take(_shape(family, line))
        if taken is _MISS:
            rows = count_line(family, line)
            self.counted += rows is not None
        else:
            rows = cast("list[dict[str, int]] | None", taken)
            self.reused += 1
        self._record(rows)
        return rows

    def _take(self, shape: int) -> object:
        """The cached counts of the next line (None: not counted) when its shape matches, else _MISS;
        a mismatch drops the cache for the rest of the pass (the file is not the one it was written for)."""
        cached = self._cached
        if cached is None:
            return _MISS
        at, width = self._at, len(BEHAVIOURS)
        end = at + 1 + width * max(shape, 0)
        if at >= len(cached) or cached[at] != shape or end > len(cached):
            self._cached = None
            return _MISS
        self._at = end
        if shape == NOT_COUNTED:
            return None
        return [dict(zip(BEHAVIOURS, cached[start:start + width])) for start in range(at + 1, end, width)]

    def _record(self, rows: list[dict[str, int]] | None) -> None:
        if rows is None:
            self._body.append(NOT_COUNTED)
            return
        self._body.append(len(rows))
        for row in rows:
            self._body.extend(int(row[name]) for name in BEHAVIOURS)

    @property
    def whole_hit(self) -> bool:
        """Every line came from the cache, and the cache held nothing more."""
        return self._cached is not None and self._at == len(self._cached)

    def save(self) -> bool:
        """Write the cache when this pass counted anything (or the cache held more than the file);
        True when the cache on disk now matches the file."""
        if self.key is None:
            return False
        if self.whole_hit:
            return True
        return write_cache(self.path, self.key, self._body)
