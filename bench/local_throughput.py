"""Local throughput: tokens/s of the `local` backend against a plain transformers `generate` loop
on the same prompts, batch size and settings (target: harness >= 90% of the plain loop)."""

from __future__ import annotations

import argparse

from _common import figure, timer

from harness.backends import BackendOptions, make_backend
from harness.core.registry import get_task
from harness.pipeline.samples import select_samples


def plain_loop(backend, prompts: list[str], batch_size: int, max_tokens: int) -> int:
    import torch

    tok, model = backend.tokenizer, backend.model
    tok.padding_side = "left"
    generated = 0
    for start in range(0, len(prompts), batch_size):
        enc = tok(prompts[start : start + batch_size], return_tensors="pt", padding=True, add_special_tokens=False)
        with torch.no_grad():
            out = model.generate(**enc, max_new_tokens=max_tokens, do_sample=False, pad_token_id=tok.pad_token_id)
        new = out[:, enc.input_ids.shape[1]:]
        # count like the harness: every token up to and including the first end-of-sequence
        for row in (new == tok.pad_token_id).int().tolist():
            generated += row.index(1) + 1 if 1 in row else len(row)
    return generated


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--threads", type=int, help="torch CPU threads (1 is faster on a busy machine)")
    args = parser.parse_args()
    task = get_task("countdown", {"max_tokens": str(args.max_tokens)})
    requests = [task.family.build_request(task.config, s) for s in select_samples(task, limit=args.n)]
    backend = make_backend("local", BackendOptions(batch_size=args.batch_size, threads=args.threads))
    prompts = [backend.render(r) for r in requests]
    list(backend.generate(requests[:1]))  # warm-up
    with timer() as plain:
        plain_tokens = plain_loop(backend, prompts, args.batch_size, args.max_tokens)
    with timer() as ours:
        results = dict(backend.generate(requests))
    ours_tokens = sum(sum(g.completion_tokens) for g in results.values())
    plain_rate, ours_rate = plain_tokens / plain["s"], ours_tokens / ours["s"]
    figure(f"plain transformers generate (batch {args.batch_size})", plain_rate, "tok/s")
    figure(f"harness local backend (batch {args.batch_size})", ours_rate, "tok/s")
    figure("harness / plain", ours_rate / plain_rate, "ratio", "target >= 0.90")


if __name__ == "__main__":
    main()
