"""Train a causal LM on a list of documents with transformers' Trainer, with a progress bar, a time
estimate printed before the first step, and the loss curve kept for the report.

Each document is encoded without special tokens (as the `hf:` backend encodes prompts) plus the
end-of-text token, so the model learns where a statement stops and greedy probes end there. The
loss covers every token of the statement (a model trained from scratch must learn the sentence
forms too). Training is seeded (model init, data order) and runs without dropout, so the same seed
on the same machine gives the same weights.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class TrainBudget:
    """How long and how hard an arm trains. `steps` optimizer steps of `batch_size` documents."""

    steps: int
    batch_size: int
    learning_rate: float
    warmup_steps: int = 0
    weight_decay: float = 0.0
    max_length: int = 64  # documents longer than this many tokens are cut

    def validate(self) -> None:
        for name in ("steps", "batch_size", "max_length"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")


@dataclass
class TrainingLog:
    steps: int
    documents: int
    epochs: float
    losses: list[tuple[int, float]] = field(default_factory=list)  # (step, mean training loss)
    estimate_s: float = 0.0
    seconds: float = 0.0

    def to_json(self, timing: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"steps": self.steps, "documents": self.documents, "epochs": round(self.epochs, 3),
                               "loss_curve": [[s, round(v, 6)] for s, v in self.losses]}
        if timing:
            out.update(estimate_s=round(self.estimate_s, 1), seconds=round(self.seconds, 1))
        return out


def encode_documents(tokenizer, texts: list[str], max_length: int) -> list[list[int]]:
    eos = tokenizer.eos_token_id
    return [(tokenizer(text, add_special_tokens=False).input_ids + [eos])[:max_length] for text in texts]


class PadCollator:
    """Right-pads a batch; padding positions get attention 0 and label -100 (no loss)."""

    def __init__(self, pad_id: int):
        self.pad_id = pad_id

    def __call__(self, batch: list[dict[str, list[int]]]) -> dict[str, Any]:
        import torch

        width = max(len(item["input_ids"]) for item in batch)
        ids, mask, labels = [], [], []
        for item in batch:
            tokens = item["input_ids"]
            padding = width - len(tokens)
            ids.append(tokens + [self.pad_id] * padding)
            mask.append([1] * len(tokens) + [0] * padding)
            labels.append(tokens + [-100] * padding)
        return {"input_ids": torch.tensor(ids), "attention_mask": torch.tensor(mask), "labels": torch.tensor(labels)}


def estimate_seconds(model, collator: PadCollator, documents: list[list[int]], budget: TrainBudget, device: str) -> float:
    """Seconds the whole budget should take: two timed forward+backward passes on the longest
    batch (gradients discarded, weights untouched), plus a share for the optimizer step."""
    import torch

    longest = sorted(documents, key=len, reverse=True)[: budget.batch_size]
    batch = {k: v.to(device) for k, v in collator([{"input_ids": d} for d in longest]).items()}
    model.train()
    timings = []
    for _ in range(2):
        started = time.perf_counter()
        model(**batch).loss.backward()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        timings.append(time.perf_counter() - started)
    model.zero_grad(set_to_none=True)
    return min(timings) * 1.15 * budget.steps  # the optimizer step and data loading: ~15% more


def _callback(log: TrainingLog, label: str, progress: bool):
    """A Trainer callback: one progress bar (steps, elapsed, time left, loss) instead of the
    Trainer's log lines, and the (step, loss) pairs kept for the loss curve."""
    from tqdm import tqdm
    from transformers import TrainerCallback

    class Progress(TrainerCallback):
        bar = None

        def on_train_begin(self, args, state, control, **kwargs):
            self.bar = tqdm(total=state.max_steps, desc=f"train {label}", unit="step", disable=not progress,
                            dynamic_ncols=True, file=sys.stderr)

        def on_step_end(self, args, state, control, **kwargs):
            self.bar.update(state.global_step - self.bar.n)

        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs:
                log.losses.append((int(state.global_step), float(logs["loss"])))
                self.bar.set_postfix(loss=f"{float(logs['loss']):.3f}")

        def on_train_end(self, args, state, control, **kwargs):
            self.bar.close()

    return Progress()


def train_causal_lm(model, tokenizer, texts: list[str], budget: TrainBudget, out_dir: Path, *, seed: int,
                    device: str, label: str, progress: bool = True) -> TrainingLog:
    """Train `model` on `texts` for the budget and save model + tokenizer into out_dir."""
    import torch
    from transformers import PrinterCallback, ProgressCallback, Trainer, TrainingArguments
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # "Writing model shards" bars; ours is the one that matters
    budget.validate()
    documents = encode_documents(tokenizer, texts, budget.max_length)
    collator = PadCollator(tokenizer.pad_token_id)
    model.to(device)
    log = TrainingLog(steps=budget.steps, documents=len(documents),
                      epochs=budget.steps * budget.batch_size / max(1, len(documents)))
    log.estimate_s = estimate_seconds(model, collator, documents, budget, device)
    print(f"[{label}] training {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M parameters on"
          f" {len(documents)} documents: {budget.steps} steps of {budget.batch_size} (~{log.estimate_s / 60:.1f} min"
          f" estimated on {device}, {torch.get_num_threads()} threads)", file=sys.stderr, flush=True)
    args = TrainingArguments(
        output_dir=str(out_dir / "trainer"), max_steps=budget.steps, per_device_train_batch_size=budget.batch_size,
        learning_rate=budget.learning_rate, warmup_steps=budget.warmup_steps, weight_decay=budget.weight_decay,
        lr_scheduler_type="cosine", logging_steps=max(1, budget.steps // 50), save_strategy="no", report_to=[],
        seed=seed, data_seed=seed, dataloader_num_workers=0, disable_tqdm=True,
        use_cpu=not device.startswith("cuda"), remove_unused_columns=False, max_grad_norm=1.0,
    )
    dataset = [{"input_ids": d} for d in documents]
    trainer = Trainer(model=model, args=args, train_dataset=dataset, data_collator=collator,
                      callbacks=[_callback(log, label, progress)])
    trainer.remove_callback(PrinterCallback)  # their log lines would interleave with our bar
    trainer.remove_callback(ProgressCallback)
    started = time.perf_counter()
    trainer.train()
    log.seconds = time.perf_counter() - started
    model.config.use_cache = True
    trainer.save_model(str(out_dir))
    tokenizer.save_pretrained(out_dir)
    if log.losses and math.isnan(log.losses[-1][1]):
        print(f"[{label}] warning: the training loss is NaN; lower the learning rate", file=sys.stderr)
    return log
