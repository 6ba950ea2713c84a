"""Where families, backends, strategies and extra commands come from: installed entry points, and
folders named with --include.

Entry-point groups (declared in a package's pyproject.toml, the built-in ones in ours):
  reasoning_harness.families    name = "module"             importing the module registers its families
  reasoning_harness.backends    name = "module:Class"       the backend for model specs "<name>:..."
  reasoning_harness.strategies  name = "module"             importing the module registers its strategies
  reasoning_harness.commands    name = "module:add_command" add_command(subparsers) adds a subcommand
A folder given with ``--include PATH`` is either a plugin package itself (it has ``__init__.py``)
or holds plugin packages (each sub-folder with ``__init__.py``); importing a package registers what
it holds (``harness.register_family``, ``harness.register_backend``, ``harness.register_strategy``);
like lm-eval's ``--include_path``, nothing needs installing. This module imports no plugin by name.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core.errors import HarnessError

FAMILY_GROUP = "reasoning_harness.families"
BACKEND_GROUP = "reasoning_harness.backends"
STRATEGY_GROUP = "reasoning_harness.strategies"
COMMAND_GROUP = "reasoning_harness.commands"

# folders whose families were imported with --include (absolute paths, in order); the lm-eval
# export writes them into a task's YAML so lm-eval's process can load the same families
INCLUDED: list[str] = []


@dataclass(frozen=True)
class EntryPoint:
    name: str
    value: str  # "module" or "module:attribute"

    def load(self) -> Any:
        module_name, _, attribute = self.value.partition(":")
        module = importlib.import_module(module_name.strip())
        return getattr(module, attribute.strip()) if attribute else module


_DIST = re.compile(r"^(?P<name>[^-]+)-.*\.(dist-info|egg-info)$")


def entry_points(group: str) -> list[EntryPoint]:
    """The entry points of ``group`` of every distribution on sys.path (the first copy of a
    distribution wins, as in importlib.metadata). Read straight from the entry_points.txt files:
    importing importlib.metadata costs more than all of `harness list` may (tested equal to it)."""
    seen: set[str] = set()
    found: dict[str, EntryPoint] = {}
    for folder in sys.path:
        try:
            entries = sorted(os.scandir(folder or "."), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            match = _DIST.match(entry.name)
            if not match:
                continue
            dist = match.group("name").lower().replace("_", "-")
            if dist in seen:
                continue
            seen.add(dist)
            try:
                text = Path(entry.path, "entry_points.txt").read_text(encoding="utf-8")
            except OSError:
                continue
            section = None
            for raw in text.splitlines():
                line = raw.strip()
                if not line or line.startswith(("#", ";")):
                    continue
                if line.startswith("[") and line.endswith("]"):
                    section = line[1:-1].strip()
                elif section == group and "=" in line:
                    name, _, value = line.partition("=")
                    found.setdefault(name.strip(), EntryPoint(name.strip(), value.strip()))
    return [found[name] for name in sorted(found)]


def load_entry_points(group: str, kind: str) -> list[tuple[EntryPoint, Any]]:
    """Load every entry point of ``group``: [(entry point, what it names)]. A plugin that fails to
    load names itself in one line instead of crashing every command."""
    loaded = []
    for entry in entry_points(group):
        try:
            loaded.append((entry, entry.load()))
        except HarnessError:
            raise
        except Exception as exc:
            raise HarnessError(f"{kind} plugin '{entry.name}' ({entry.value}) failed to load: {type(exc).__name__}: {exc};"
                               " fix or uninstall that package") from None
    return loaded


def load_installed_families() -> None:
    """Import every module registered under the families entry-point group."""
    load_entry_points(FAMILY_GROUP, "family")


def command_adders() -> Iterator[tuple[str, Callable[[Any], None]]]:
    """(name, add_command) for every installed command plugin, loaded lazily by the CLI."""
    for entry in entry_points(COMMAND_GROUP):
        yield entry.name, entry.load()


def _package_dirs(folder: Path) -> list[Path]:
    if (folder / "__init__.py").is_file():
        return [folder]
    return sorted(child for child in folder.iterdir() if (child / "__init__.py").is_file())


def include_plugins(path: str | Path) -> list[str]:
    """Import the plugin packages in ``path`` (registering their families, backends and strategies);
    returns the package names."""
    from harness.core.registry import load_families

    load_families()  # installed families first, so an included name clash is reported against them
    folder = Path(path).expanduser().resolve()
    if not folder.is_dir():
        raise HarnessError(f"--include {path}: no such folder; give a folder holding plugin packages (with __init__.py)")
    packages = _package_dirs(folder)
    if not packages:
        raise HarnessError(f"--include {path}: no plugin package found (a folder with __init__.py, itself or one level down)")
    names = []
    for package in packages:
        name = package.name
        loaded = sys.modules.get(name)
        if loaded is not None:
            if Path(getattr(loaded, "__file__", "") or "").resolve().parent == package:
                names.append(name)
                continue
            raise HarnessError(f"--include {path}: package name '{name}' is already taken by {loaded.__file__}; rename the folder")
        parent = str(package.parent)
        if parent not in sys.path:
            sys.path.insert(0, parent)
        try:
            importlib.import_module(name)
        except HarnessError:
            raise
        except Exception as exc:
            raise HarnessError(f"--include {path}: importing '{name}' failed: {type(exc).__name__}: {exc}") from None
        names.append(name)
    if str(folder) not in INCLUDED:
        INCLUDED.append(str(folder))
    return names


def family_origin(module_name: str) -> str | None:
    """The --include folder a family module was imported from, or None for installed families."""
    top = sys.modules.get(module_name.split(".")[0])
    location = Path(getattr(top, "__file__", "") or "").resolve().parent if top else None
    for folder in INCLUDED:
        if location is not None and (location == Path(folder) or location.parent == Path(folder)):
            return folder
    return None
