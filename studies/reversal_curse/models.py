"""The models each arm trains: a small Llama initialised from a seed (scratch arms), or the embedded
SmolLM2-135M (finetune arm), read from the local backend's converted fp32 folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ScratchShape:
    """A Llama-architecture causal LM small enough to train in minutes on two CPU cores."""

    hidden_size: int = 256
    layers: int = 4
    heads: int = 4
    intermediate_size: int = 1024
    max_positions: int = 128

    def validate(self) -> None:
        if min(self.hidden_size, self.layers, self.heads, self.intermediate_size, self.max_positions) < 1:
            raise ValueError("every model dimension must be >= 1")
        if self.hidden_size % self.heads:
            raise ValueError(f"hidden_size ({self.hidden_size}) must be a multiple of heads ({self.heads})")


def scratch_model(tokenizer, shape: ScratchShape, seed: int):
    """A fresh LlamaForCausalLM, weights drawn from `seed`, no dropout."""
    from transformers import LlamaConfig, LlamaForCausalLM, set_seed

    shape.validate()
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=shape.hidden_size, num_hidden_layers=shape.layers,
        num_attention_heads=shape.heads, num_key_value_heads=shape.heads,
        intermediate_size=shape.intermediate_size, max_position_embeddings=shape.max_positions,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=True, attention_dropout=0.0,
    )
    set_seed(seed)
    return LlamaForCausalLM(config)


def embedded_model_dir() -> Path:
    """SmolLM2-135M-Instruct as an fp32 transformers folder (converted from the embedded GGUF once)."""
    from harness.study import embedded_model_dir as converted

    return converted()


def pretrained_model(folder: Path, seed: int):
    """The model and tokenizer of a transformers folder, in fp32 (training needs full precision)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, set_seed

    set_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    return model, tokenizer
