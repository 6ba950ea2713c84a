"""Why the reproduction's scratch arms train their own tokenizer: one training step of the scratch
model (the `full` preset's shape) with the study's byte-level BPE vs with SmolLM2's 49k vocabulary,
on the same statements. Prints vocabulary size, parameters, tokens per statement and CPU seconds per
step (process time, the fastest of a few steps, so a busy machine distorts it less than wall time).
Usage:
    python bench/reversal_scratch_tokenizer.py [--steps 5] [--threads 1]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import figure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    import torch
    from transformers import AutoTokenizer

    from studies.reversal_curse.corpus import arm_texts
    from studies.reversal_curse.models import embedded_model_dir, scratch_model
    from studies.reversal_curse.spec import PRESETS
    from studies.reversal_curse.study import export_dataset
    from studies.reversal_curse.tokenizer import train_tokenizer
    from studies.reversal_curse.training import PadCollator, encode_documents

    torch.set_num_threads(args.threads)
    preset = PRESETS["full"]
    with tempfile.TemporaryDirectory() as tmp:
        data = export_dataset(preset.scratch_data, Path(tmp) / "data", seed=0)
        texts = arm_texts(data, reverse=False)
        own = train_tokenizer(texts, preset.vocab_size, Path(tmp) / "tokenizer")
        smol = AutoTokenizer.from_pretrained(embedded_model_dir())
        if smol.pad_token_id is None:
            smol.pad_token = smol.eos_token
        batch_size = preset.scratch_budget.batch_size
        for name, tokenizer in (("study BPE", own), ("SmolLM2", smol)):
            documents = encode_documents(tokenizer, texts, preset.scratch_budget.max_length)
            model = scratch_model(tokenizer, preset.scratch_shape, seed=0)
            optimizer = torch.optim.AdamW(model.parameters(), lr=preset.scratch_budget.learning_rate)
            collator = PadCollator(tokenizer.pad_token_id)
            times = []
            for step in range(args.steps + 1):
                start = step * batch_size % max(1, len(documents) - batch_size)
                batch = collator([{"input_ids": d} for d in documents[start : start + batch_size]])
                began = time.process_time()
                model(**batch).loss.backward()
                optimizer.step()
                optimizer.zero_grad()
                times.append(time.process_time() - began)
            figure(f"{name}: vocabulary", len(tokenizer), "tokens")
            figure(f"{name}: model parameters", sum(p.numel() for p in model.parameters()) / 1e6, "M")
            figure(f"{name}: tokens per statement", sum(map(len, documents)) / len(documents), "tokens")
            figure(f"{name}: CPU time per step (batch {batch_size})", min(times[1:]), "s")


if __name__ == "__main__":
    main()
