"""Generation on CTranslate2 for a transformers causal LM: the `local` model's fp32 engine (engine=ctranslate2).

Why: on a 2-core CPU, transformers' `generate` spends most of each step in Python and framework
overhead for a model as small as SmolLM2-135M; CTranslate2 runs the same fp32 weights in C++ and
gives several times the tokens per second (bench/local_engines.py), from a prebuilt PyPI wheel
(no compile step). The model folder is converted once (seconds) next to the transformers folder.

Semantics kept from the transformers path (harness/backends/hf.py): the same tokenizer and chat
template render the prompt; greedy decoding at temperature 0; a completion ends at an end-of-sequence
token (counted in completion_tokens, left out of the text) or at max_tokens ("length"); stop strings
end it too and are trimmed; n completions are n rows of the batch; sampling is seeded per batch
(which random numbers a prompt gets depends on its batch, as with transformers).
The weights are identical (fp32), so greedy text matches transformers' except where two tokens
are within float rounding of each other (bench/local_engines.py counts how often).

Progress: each completion is handed back the moment it ends (a step callback sees its last
token), not when the slowest row of its batch ends, so a progress bar moves per sample.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from harness.backends.cpu_generation import choose_threads, finished_generation, has_stop
from harness.core.types import Generation, GenerationSettings

_END = object()


def convert_once(hf_dir: Path, target: Path) -> Path:
    """The CTranslate2 folder for a transformers folder, converted on first use (atomic)."""
    if (target / "model.bin").is_file():
        return target
    import ctranslate2

    print(f"harness: converting the model once for CTranslate2 into {target} (about 10-30 s)", file=sys.stderr, flush=True)
    partial = target.with_name(target.name + f".partial-{os.getpid()}")
    ctranslate2.converters.TransformersConverter(str(hf_dir), load_as_float16=False).convert(
        str(partial), quantization="float32", force=True)
    if not target.exists():
        partial.replace(target)  # a crash never leaves half a model where a whole one is expected
    return target


class CT2Generator:
    """Batched generation with per-row completion callbacks, on ``threads`` CPU threads."""

    def __init__(self, model_dir: Path, tokenizer: Any, eos_ids: set[int], threads: int | None):

        self.tokenizer = tokenizer
        self.eos_ids = sorted(eos_ids)
        self.model_dir = model_dir
        self.threads, self.threads_reason = (threads, "--threads") if threads else choose_threads()
        self.generator = self._load()

    def _load(self) -> Any:
        import ctranslate2

        return ctranslate2.Generator(str(self.model_dir), device="cpu", compute_type="float32",
                                     intra_threads=self.threads, inter_threads=1)

    def close(self) -> None:
        if self.generator is not None:
            self.generator.unload_model()
            self.generator = None

    def generate(self, prompts: Sequence[str], settings: GenerationSettings, batch_size: int) -> Iterator[tuple[int, Generation]]:
        """(prompt index, Generation) for every prompt, in the order they finish; a batch holds at
        most ``batch_size`` rows (a prompt with n completions takes n rows)."""
        tokenized = [self.tokenizer(p, add_special_tokens=False).input_ids for p in prompts]
        for batch in length_batches([len(t) for t in tokenized], max(1, batch_size // max(1, settings.n)),
                                    max_spread=max(8, settings.max_tokens // 4)):
            yield from self._batch(batch, tokenized, settings)

    def _batch(self, batch: list[int], tokenized: list[list[int]], settings: GenerationSettings) -> Iterator[tuple[int, Generation]]:
        import ctranslate2

        n = max(1, settings.n)
        rows = [tokenized[i] for i in batch for _ in range(n)]
        shortest = min(len(r) for r in rows)
        # Prompt tokens past the shortest prompt are replayed through the decoding loop, and the
        # step callback sees them too: skip that many steps per row.
        skip = [len(r) - shortest for r in rows]
        tokens: list[list[int]] = [[] for _ in rows]
        finished: list[tuple[list[int], bool] | None] = [None] * len(rows)
        landed: queue.SimpleQueue = queue.SimpleQueue()
        stop = tuple(s for s in settings.stop if s)

        def on_step(step: Any) -> bool:
            row = step.batch_id
            if step.step < skip[row] or finished[row] is not None:
                return False
            tokens[row].append(step.token_id)
            hit_eos = step.token_id in self.eos_ids
            hit_stop = bool(stop) and not hit_eos and has_stop(self.tokenizer.decode(tokens[row]), stop)
            if hit_eos or hit_stop or step.is_last or len(tokens[row]) >= settings.max_tokens:
                finished[row] = (tokens[row], hit_eos or hit_stop)
                landed.put(row)
                return True
            return False

        kwargs: dict[str, Any] = {"max_length": settings.max_tokens, "include_prompt_in_result": False,
                                  "end_token": self.eos_ids, "return_end_token": True, "callback": on_step}
        generator = self.generator
        if settings.temperature > 0:
            kwargs.update(sampling_topk=0, sampling_temperature=settings.temperature, sampling_topp=settings.top_p)
            # The engine's random generators live in its worker threads and are seeded when first
            # used: a fresh engine per sampled batch (a fraction of a second) makes the seed hold.
            ctranslate2.set_random_seed(settings.seed)
            generator = self._load()
        else:
            kwargs.update(sampling_topk=1)
        failure: list[BaseException] = []

        def run() -> None:
            try:
                generator.generate_batch([self.tokenizer.convert_ids_to_tokens(r) for r in rows], **kwargs)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                failure.append(exc)
            finally:
                landed.put(_END)

        worker = threading.Thread(target=run, name="ct2-generate", daemon=True)
        worker.start()
        done_rows: dict[int, list[int]] = {}
        for_prompt = {i: [p * n + k for k in range(n)] for p, i in enumerate(batch)}
        while True:
            row = landed.get()
            if row is _END:
                break
            prompt = batch[row // n]
            done_rows.setdefault(prompt, []).append(row)
            if len(done_rows[prompt]) == n:
                yield prompt, self._generation(tokenized[prompt], [finished[r] for r in for_prompt[prompt]], settings)
        worker.join()
        if generator is not self.generator:  # the sampling engine of this batch: released here, not at exit
            generator.unload_model()
        if failure:
            raise failure[0]
        for prompt in batch:  # rows the engine ended without a last-step callback (never seen, but never lost)
            if len(done_rows.get(prompt, [])) < n:
                ends = [finished[r] or (tokens[r], False) for r in for_prompt[prompt]]
                yield prompt, self._generation(tokenized[prompt], ends, settings)

    def _generation(self, prompt: list[int], ends: list[Any], settings: GenerationSettings) -> Generation:
        return finished_generation(self.tokenizer, self.eos_ids, prompt, ends, settings)


def length_batches(lengths: Sequence[int], size: int, max_spread: int) -> list[list[int]]:
    """Prompt indices in batches of at most ``size``, shortest first, a batch never spanning more
    than ``max_spread`` tokens of prompt length. CTranslate2 forwards a batch's prompts together only
    up to the shortest one and replays the rest one decoding step at a time for the whole batch, so
    a 3 000-token prompt beside a 100-token one would cost 2 900 extra steps."""
    batches: list[list[int]] = []
    for index in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        if batches and len(batches[-1]) < size and lengths[index] - lengths[batches[-1][0]] <= max_spread:
            batches[-1].append(index)
        else:
            batches.append([index])
    return batches
