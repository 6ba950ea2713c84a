"""Small file and naming helpers shared by every stage: atomic writes, hashes, run ids, provenance.

Why a module of its own: the pipeline (which writes run folders) and the reports (which read them)
both need these, and neither may import the other's room for them (the flow runs one way:
core <- pipeline -> report). Nothing here knows a family, a backend or a run folder's layout.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.core.errors import storage_error
from harness.core.jsontext import dumps

PACKAGES = ("reasoning-harness", "torch", "transformers", "lm_eval", "datasets", "openai", "pandas", "numpy", "llama_cpp_python")

def tmp_path_for(path: Path) -> Path:
    return path.with_name(f"{path.name}.tmp{os.getpid()}")


def commit_file(path: Path, write: Callable[[Path], object]) -> None:
    """Write ``path`` through a temporary name, then rename: all or nothing. A failed write (disk
    full, read-only storage) leaves no temporary file and ends in one StorageError naming the file."""
    tmp = tmp_path_for(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise storage_error(exc, path=path) or exc from None


def write_json(path: Path, data: Any) -> None:
    commit_file(path, lambda tmp: tmp.write_text(dumps(data, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8"))


def write_samples(path: Path, lines: list[dict[str, Any]]) -> None:
    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8") as handle:
            for line in lines:
                handle.write(dumps(line, default=str) + "\n")

    commit_file(path, write)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    from importlib import metadata  # imported here: it costs more than all of `harness list` may

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
