"""The registry of strategies: the engine's own, those a family registers from its package, and
those of installed packages (``reasoning_harness.strategies`` entry points) or ``--include`` folders.

``single`` is the trivial strategy (one request, its texts scored as they are): what `harness run`
does when no strategy is named. Registering is import-time and cheap, like families.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from harness.core.errors import HarnessError, did_you_mean
from harness.strategies.types import Strategy

_STRATEGIES: dict[str, Strategy] = {}
_loaded = False


def register_strategy(strategy: Strategy) -> Strategy:
    """Add a strategy; names are unique."""
    if strategy.name in _STRATEGIES and _STRATEGIES[strategy.name] is not strategy:
        raise ValueError(f"strategy name '{strategy.name}' is registered twice")
    _STRATEGIES[strategy.name] = strategy
    return strategy


def load_strategies() -> None:
    """Import the engine's strategies, every family (families may register strategies) and every
    installed strategy plugin, once."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    from harness.core.plugins import STRATEGY_GROUP, load_entry_points
    from harness.core.registry import load_families
    from harness.strategies import budget, fobar, likelihood, selection, single  # noqa: F401 - they register themselves

    load_families()
    load_entry_points(STRATEGY_GROUP, "strategy")


def strategies() -> list[Strategy]:
    load_strategies()
    return [_STRATEGIES[name] for name in sorted(_STRATEGIES)]


def get_strategy(name: str) -> Strategy:
    load_strategies()
    if name not in _STRATEGIES:
        raise HarnessError(f"unknown strategy '{name}'{did_you_mean(name, _STRATEGIES)};"
                           f" strategies: {', '.join(sorted(_STRATEGIES))} ('harness list --strategies' describes them)")
    return _STRATEGIES[name]


def make_strategy_options(strategy: Strategy, values: Mapping[str, Any]) -> Any:
    """The strategy's options dataclass from ``--strategy-option k=v`` values (strings coerced to the
    field types, as --set does), validated; None for a strategy without options."""
    from harness.core.registry import coerce_setting

    if strategy.options is None:
        if values:
            raise HarnessError(f"strategy '{strategy.name}' takes no options (got {', '.join(sorted(values))})")
        return None
    fields = {f.name for f in dataclasses.fields(strategy.options)}
    defaults = strategy.options()
    parsed = {}
    for key, raw in values.items():
        if key not in fields:
            raise HarnessError(f"strategy '{strategy.name}' has no option '{key}'{did_you_mean(key, fields)};"
                               f" options: {', '.join(sorted(fields))}")
        parsed[key] = coerce_setting(raw, getattr(defaults, key), key)
    options = dataclasses.replace(defaults, **parsed)
    validate = getattr(options, "validate", None)
    if validate is not None:
        try:
            validate()
        except ValueError as exc:
            raise HarnessError(f"invalid option for strategy '{strategy.name}': {exc}") from None
    return options


def options_as_dict(options: Any) -> dict[str, Any]:
    return dataclasses.asdict(options) if options is not None else {}
