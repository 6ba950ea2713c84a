"""Module attributes loaded on first use: how `harness` and `harness.study` offer a wide public API
while `import harness` (and `harness list`) imports nothing behind it."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_attributes(module_name: str, namespace: dict[str, Any], names: Mapping[str, str],
                    renamed: Mapping[str, str] | None = None) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``names`` ({public name: module defining it}); ``renamed`` maps a
    public name to the name it has in its module. Each value is stored in ``namespace`` once loaded."""
    renamed = renamed or {}

    def load(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), renamed.get(name, name))
        namespace[name] = value
        return value

    return load
