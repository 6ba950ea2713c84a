"""Real read-only and full storage for tests: small tmpfs mounts (root only; tests skip elsewhere),
and read-only folders by chmod for a user that is not root."""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest


def mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    return done.returncode == 0


def unmount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


@contextmanager
def read_only(path: Path):
    """``path`` (a folder whose contents are already in place) made read-only: a read-only tmpfs
    copy of it when we may mount (root ignores permissions), else chmod."""
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [path, *path.rglob("*")]}
        for p in modes:
            p.chmod(modes[p] & ~0o222)
        try:
            yield path
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
        return
    staged = path.with_name(path.name + "-contents")
    shutil.move(str(path), staged)
    if not mount_tmpfs(path, "64m"):
        shutil.move(str(staged), path)
        pytest.skip("cannot mount a tmpfs here (needs root in a machine that allows mounts)")
    try:
        shutil.copytree(staged, path, dirs_exist_ok=True)
        assert subprocess.run(["mount", "-o", "remount,ro", str(path)], capture_output=True).returncode == 0
        yield path
    finally:
        unmount(path)
        path.rmdir()  # the empty mount point
        shutil.move(str(staged), path)
