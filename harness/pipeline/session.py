"""``open_session``: a model and its response cache, for studies and notebooks that build their own
requests (several per sample, as strategies do) instead of running a task.

    with harness.open_session("local") as session:
        [answer] = session.ask([harness.Request(kind="generate", prompt="2 + 2 =")], "demo")

Every answer is cached under the same keys `harness run` uses, so a study and a run share answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.backends import BackendOptions, check_backend_options, check_backend_spec, make_backend
from harness.backends.base import Backend
from harness.pipeline.execute import ModelSession
from harness.pipeline.plan import RunSpec


def open_session(model: str = "local", *, base_url: str | Sequence[str] | None = None,
                 backend_options: Mapping[str, Any] | BackendOptions | None = None,
                 results_dir: str | Path | None = None, cache: str | Path | None = None, progress: bool = True,
                 backend_factory: Callable[[str, BackendOptions], Backend] | None = None) -> ModelSession:
    """A ModelSession on ``model``: ``ask(requests, label)`` returns a result per request (cached or
    asked); close it (or use ``with``). The model loads on the first request the cache cannot answer.
    ``backend_options`` as for ``harness.evaluate`` (or a BackendOptions)."""
    from harness.api import _backend_options, default_results_dir

    options = backend_options if isinstance(backend_options, BackendOptions) else _backend_options(base_url, backend_options)
    check_backend_spec(model)
    check_backend_options(model, options)
    spec = RunSpec(tasks=[], model=model, backend_options=options,
                   results_dir=str(results_dir) if results_dir is not None else default_results_dir(),
                   cache_path=str(cache) if cache is not None else None, progress=progress)
    return ModelSession(spec, backend_factory or make_backend)
