"""Writing and reading a run folder: samples.jsonl, metrics.json, metrics.csv, manifest.json.

Files are written to a temporary name and renamed, so a folder never holds half a file.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from harness.core.errors import HarnessError
from harness.report.tables import rows_from_json, rows_to_json, write_csv

PACKAGES = ("reasoning-harness", "torch", "transformers", "lm_eval", "datasets", "openai", "pandas", "numpy", "llama_cpp_python")


def write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def write_samples(path: Path, lines: list[dict[str, Any]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
    os.replace(tmp, path)


def write_metrics(run_dir: Path, rows: list[dict[str, Any]]) -> None:
    write_json(run_dir / "metrics.json", {"rows": rows_to_json(rows)})
    tmp = run_dir / "metrics.csv.tmp"
    write_csv(rows, tmp)
    os.replace(tmp, run_dir / "metrics.csv")


def read_metrics(run_dir: Path) -> list[dict[str, Any]]:
    path = Path(run_dir) / "metrics.json"
    if not path.is_file():
        from harness.report.unfinished import describe_unfinished

        raise HarnessError(describe_unfinished(Path(run_dir)))  # what is missing and how to finish it
    try:
        return rows_from_json(json.loads(path.read_text(encoding="utf-8"))["rows"])
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise HarnessError(f"{path} is corrupt ({exc}); re-run or re-score to rebuild it") from None


def read_manifest(run_dir: Path) -> dict[str, Any]:
    path = Path(run_dir) / "manifest.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


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
