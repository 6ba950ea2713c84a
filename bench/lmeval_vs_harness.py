"""The same Countdown run through lm-eval's runner (on the exported YAML) and through `harness run`,
on the embedded model, same samples, batch size and token limit: wall time (whole command, start-up
included), generated tokens/s, and how many responses agree. Both run as subprocesses, cold."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import REPO_ROOT, figure, timer

BIN = Path(sys.executable).parent


def run_lm_eval(model_dir: str, out: Path, args) -> list[dict]:
    command = [str(BIN / "lm_eval"), "--model", "hf", "--model_args", f"pretrained={model_dir},dtype=float32",
               "--tasks", "countdown", "--include_path", str(REPO_ROOT / "tasks"), "--apply_chat_template",
               "--metadata", json.dumps({"limit": args.limit, "seed": args.seed}),
               "--gen_kwargs", f"max_gen_toks={args.max_tokens}", "--batch_size", str(args.batch_size),
               "--device", "cpu", "--output_path", str(out), "--log_samples"]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(args))
    files = sorted(out.rglob("samples_countdown_*.jsonl"))
    lines = [json.loads(line) for line in files[-1].read_text().splitlines()]
    return sorted(lines, key=lambda line: line["doc_id"])


def run_harness(out: Path, args) -> list[dict]:
    command = [str(BIN / "harness"), "run", "countdown", "--limit", str(args.limit), "--seed", str(args.seed),
               "--max-tokens", str(args.max_tokens), "--batch-size", str(args.batch_size), "--no-progress",
               "--out", str(out / "run"), "--cache", str(out / "cache.sqlite")]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=_env(args))
    return [json.loads(line) for line in (out / "run" / "samples.jsonl").read_text().splitlines()]


def _env(args) -> dict[str, str]:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    if args.threads:
        env.update(OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    return env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--threads", type=int, help="CPU threads for both (OMP_NUM_THREADS)")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO_ROOT))
    from transformers import AutoTokenizer

    from harness.backends.local import converted_model_dir

    model_dir = str(converted_model_dir())
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    with tempfile.TemporaryDirectory() as tmp:
        with timer() as lm_time:
            theirs = run_lm_eval(model_dir, Path(tmp) / "lm_eval", args)
        with timer() as our_time:
            ours = run_harness(Path(tmp) / "harness", args)
    their_texts = [line["filtered_resps"][0] for line in theirs]
    our_texts = [line["responses"][0] for line in ours]
    their_tokens = sum(len(tokenizer(t, add_special_tokens=False).input_ids) for t in their_texts)
    our_tokens = sum(len(tokenizer(t, add_special_tokens=False).input_ids) for t in our_texts)
    same = sum(a == b for a, b in zip(their_texts, our_texts))
    print(f"countdown, {args.limit} samples, batch {args.batch_size}, max {args.max_tokens} new tokens, embedded model")
    figure("lm-eval runner: wall time (whole command)", lm_time["s"], "s")
    figure("harness run: wall time (whole command)", our_time["s"], "s")
    figure("lm-eval runner: generated tokens/s (wall)", their_tokens / lm_time["s"], "tok/s")
    figure("harness run: generated tokens/s (wall)", our_tokens / our_time["s"], "tok/s")
    figure("ratio harness / lm-eval (tokens/s)", (our_tokens / our_time["s"]) / (their_tokens / lm_time["s"]), "x")
    figure("identical responses", same, f"of {len(ours)}")


if __name__ == "__main__":
    main()
