"""Writing and reading a run folder: samples.jsonl, metrics.json, metrics.csv, manifest.json.

A run folder is one commit. Each file is written to a temporary name and renamed (never half a
file), and manifest.json is written last, holding the sha256 of every other file: a folder whose
files do not match its manifest (a kill -9 between two renames, a run that died before its first
commit) is refused by `harness report` and skipped by `harness leaderboard`, never shown as a mix
of two runs. Re-running the same command rewrites it whole; a re-run which asked the model nothing
and produced the same files keeps the committed run's start and end times (its wall time).

The manifest also records each file's (size, mtime_ns) as it was hashed ("file_stats"). A check
trusts a file whose size and mtime still match and hashes only the others: a leaderboard over
hundreds of big runs reads no samples.jsonl, while a file rewritten (any write sets a new mtime),
truncated, or left by a kill between two renames (a new file, written later) is still hashed and
refused. Folders without "file_stats" (older versions) are hashed as before.

Text is written with ``harness.core.jsontext.dumps``: any string (lone surrogates, NUL, bytes that
were not UTF-8) is stored as valid UTF-8 JSON and read back exactly.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG
from typing import Any

from harness.core.errors import HarnessError, storage_error
from harness.core.files import commit_file, file_sha256, tmp_path_for, write_json
from harness.core.jsontext import dumps
from harness.core.metric_spec import Metric
from harness.report.tables import rows_from_json, rows_to_json, write_csv

COMMITTED_FILES = ("samples.jsonl", "metrics.json", "metrics.csv")  # hashed in manifest.json["files"]
# manifest.json["format_version"] (docs/run-folder.md): 2 = metrics.json carries "metric_info" and sample
# lines of strategy runs carry "strategy"/"trace"; folders without the field are version 1 (still read)
RUN_FOLDER_FORMAT = 2


def write_metrics(run_dir: Path, rows: list[dict[str, Any]], metric_info: dict[str, dict[str, Any]] | None = None) -> None:
    """metrics.json holds the rows and, under "metric_info", each task's metric declarations
    ({task: {metric: {kind, higher_is_better, low, high, description}}})."""
    data: dict[str, Any] = {"rows": rows_to_json(rows)}
    if metric_info:
        data["metric_info"] = metric_info
    write_json(run_dir / "metrics.json", data)
    commit_file(run_dir / "metrics.csv", lambda tmp: write_csv(rows, tmp))


@dataclass(frozen=True)
class StagedSamples:
    """samples.jsonl written line by line to its temporary name (stage_samples), waiting for the
    commit that renames it; ``count``: the lines written."""

    path: Path
    count: int

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def stage_samples(run_dir: Path, lines: Iterable[dict[str, Any]]) -> StagedSamples:
    """Write the sample lines as they come (a stream: none is held after it is written) to
    samples.jsonl's temporary name in ``run_dir``, clearing temporary files a killed run left. The
    committed samples.jsonl is untouched until commit_run_folder renames this file over it."""
    run_dir = Path(run_dir)
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise storage_error(exc) or exc from None
    for stale in run_dir.glob("*.tmp*"):  # left by a run killed while writing
        stale.unlink(missing_ok=True)
    path = run_dir / "samples.jsonl"
    tmp = tmp_path_for(path)
    count = 0
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            for line in lines:
                handle.write(dumps(line, default=str) + "\n")
                count += 1
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise storage_error(exc, path=path) or exc from None
        raise
    return StagedSamples(tmp, count)


def commit_run_folder(run_dir: Path, lines: Iterable[dict[str, Any]] | StagedSamples, rows: list[dict[str, Any]],
                      manifest: dict[str, Any], metric_info: dict[str, dict[str, Any]] | None = None,
                      keep_if_unchanged: bool = False) -> None:
    """Write samples (``lines``, or the file stage_samples wrote), metrics and, last, the manifest
    with the other files' hashes (the commit).
    ``keep_if_unchanged``: a re-run that asked nothing and produced the same files keeps the
    committed run's times (started_at, finished_at: the wall time of the run that got the answers)."""
    run_dir = Path(run_dir)
    staged = lines if isinstance(lines, StagedSamples) else stage_samples(run_dir, lines)
    try:
        os.replace(staged.path, run_dir / "samples.jsonl")
    except OSError as exc:
        staged.discard()
        raise storage_error(exc, path=run_dir / "samples.jsonl") or exc from None
    write_metrics(run_dir, rows, metric_info)
    stats = {name: file_stat(run_dir / name) for name in COMMITTED_FILES}  # before hashing: a later write shows
    files = {name: file_sha256(run_dir / name) for name in COMMITTED_FILES}
    if keep_if_unchanged and (run_dir / "manifest.json").is_file():
        before = read_manifest(run_dir)
        if before.get("files") == files and before.get("started_at") and before.get("finished_at"):
            manifest = {**manifest, "started_at": before["started_at"], "finished_at": before["finished_at"]}
    write_json(run_dir / "manifest.json", {**manifest, "format_version": RUN_FOLDER_FORMAT, "files": files,
                                           "file_stats": stats})


def file_stat(path: Path) -> list[int] | None:
    """[size, mtime_ns] of a regular file (None: missing or not a file), as manifest.json records it."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns] if S_ISREG(stat.st_mode) else None


def file_matches(path: Path, digest: str, recorded_stat: Any) -> bool:
    """Whether ``path`` holds the bytes whose sha256 is ``digest``: trusted without reading when its
    [size, mtime_ns] equal the ones recorded when it was hashed, else hashed."""
    stat = file_stat(path)
    if stat is None:
        return False
    return stat == recorded_stat or file_sha256(path) == digest


def check_run_folder(run_dir: Path) -> None:
    """HarnessError unless the folder is one complete commit (manifest last, hashes matching); the
    message says what is missing and the command that finishes the run."""
    from harness.report.unfinished import describe_unfinished, recorded_command

    run_dir = Path(run_dir)
    if not (run_dir / "metrics.json").is_file():
        raise HarnessError(describe_unfinished(run_dir))
    command = recorded_command(run_dir)
    finish = f"finish it with: {command}" if command else "re-run the command that made it"
    manifest = read_manifest(run_dir)
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict):
        raise HarnessError(f"{run_dir} is incomplete (no committed manifest.json: the run that wrote it was"
                           f" interrupted, or made by an older version); {finish}")
    stats = manifest.get("file_stats")
    stats = stats if isinstance(stats, dict) else {}
    for name, digest in files.items():
        if not file_matches(run_dir / name, digest, stats.get(name)):
            raise HarnessError(f"{run_dir} is incomplete ({name} does not match manifest.json: a run was"
                               f" interrupted while writing it); {finish}")


def read_metrics(run_dir: Path, verified: bool = False) -> list[dict[str, Any]]:
    """The metrics rows of a complete run folder (``verified``: the caller has just checked it)."""
    path = Path(run_dir) / "metrics.json"
    if not verified:
        check_run_folder(Path(run_dir))
    try:
        return rows_from_json(json.loads(path.read_text(encoding="utf-8"))["rows"])
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise HarnessError(f"{path} is corrupt ({exc}); re-run or re-score to rebuild it") from None


def read_metric_info(run_dir: Path) -> dict[str, dict[str, Metric]]:
    """{task: {metric: declaration}} as the run recorded them (empty for folders written before
    metrics carried metadata; callers then ask the registry)."""
    path = Path(run_dir) / "metrics.json"
    try:
        info = json.loads(path.read_text(encoding="utf-8")).get("metric_info") or {}
        return {task: {name: Metric(name=name, **meta) for name, meta in metrics.items()} for task, metrics in info.items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def read_manifest(run_dir: Path) -> dict[str, Any]:
    path = Path(run_dir) / "manifest.json"
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return {}



