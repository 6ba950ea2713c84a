"""Writing and reading a run folder: samples.jsonl, metrics.json, metrics.csv, manifest.json.

A run folder is one commit. Each file is written to a temporary name and renamed (never half a
file), and manifest.json is written last, holding the sha256 of every other file: a folder whose
files do not match its manifest (a kill -9 between two renames, a run that died before its first
commit) is refused by `harness report` and skipped by `harness leaderboard`, never shown as a mix
of two runs. Re-running the same command rewrites it whole.

Text is written with ``harness.core.jsontext.dumps``: any string (lone surrogates, NUL, bytes that
were not UTF-8) is stored as valid UTF-8 JSON and read back exactly.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import subprocess
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from harness.core.errors import HarnessError, storage_error
from harness.core.jsontext import dumps
from harness.report.tables import rows_from_json, rows_to_json, write_csv

PACKAGES = ("reasoning-harness", "torch", "transformers", "lm_eval", "datasets", "openai", "pandas", "numpy", "llama_cpp_python")


COMMITTED_FILES = ("samples.jsonl", "metrics.json", "metrics.csv")  # hashed in manifest.json["files"]
COMMIT_HINT = ("free space or make it writable (or give --out on other storage), then re-run the same command:"
               " every answer is cached, so nothing is asked again")


def _tmp(path: Path) -> Path:
    return path.with_name(f"{path.name}.tmp{os.getpid()}")


def _commit_file(path: Path, write: Callable[[Path], object]) -> None:
    """Write through a temporary name, then rename: all or nothing. A failed write (disk full,
    read-only storage) leaves no temporary file and ends in one StorageError naming the file."""
    tmp = _tmp(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise storage_error(exc, COMMIT_HINT, path) or exc from None


def write_json(path: Path, data: Any) -> None:
    _commit_file(path, lambda tmp: tmp.write_text(dumps(data, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8"))


def write_samples(path: Path, lines: list[dict[str, Any]]) -> None:
    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8") as handle:
            for line in lines:
                handle.write(dumps(line, default=str) + "\n")

    _commit_file(path, write)


def write_metrics(run_dir: Path, rows: list[dict[str, Any]]) -> None:
    write_json(run_dir / "metrics.json", {"rows": rows_to_json(rows)})
    _commit_file(run_dir / "metrics.csv", lambda tmp: write_csv(rows, tmp))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def commit_run_folder(run_dir: Path, lines: list[dict[str, Any]], rows: list[dict[str, Any]],
                      manifest: dict[str, Any]) -> None:
    """Write samples, metrics and, last, the manifest with the other files' hashes (the commit)."""
    run_dir = Path(run_dir)
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise storage_error(exc, COMMIT_HINT) or exc from None
    for stale in run_dir.glob("*.tmp*"):  # left by a run killed while writing
        stale.unlink(missing_ok=True)
    write_samples(run_dir / "samples.jsonl", lines)
    write_metrics(run_dir, rows)
    files = {name: file_sha256(run_dir / name) for name in COMMITTED_FILES}
    write_json(run_dir / "manifest.json", {**manifest, "files": files})


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
    for name, digest in files.items():
        path = run_dir / name
        if not path.is_file() or file_sha256(path) != digest:
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


def read_manifest(run_dir: Path) -> dict[str, Any]:
    path = Path(run_dir) / "manifest.json"
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return {}


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def git_commit() -> str | None:
    root = Path(__file__).resolve().parents[1]
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, timeout=5).stdout.strip()
    return out.stdout.strip() + ("-dirty" if dirty else "")


def command_line() -> list[str]:
    """The command as typed, with any user:password@ in URLs removed ('python -m harness' is recorded
    as 'harness', so `harness report` can print it as the command that finishes a run)."""
    program = Path(sys.argv[0]).name
    program = "harness" if program == "__main__.py" and Path(sys.argv[0]).parent.name == "harness" else program
    return [program, *(re.sub(r"://[^/@\s]+@", "://***@", arg) for arg in sys.argv[1:])]


def slug(text: str) -> str:
    """A folder-name-safe form of a run or study id."""
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", text).strip("_")[:120]
