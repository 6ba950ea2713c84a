"""Continuous batching on llama.cpp's C API: the default engine of the `local` backend.

Why: on a 2-core CPU, llama.cpp runs SmolLM2-135M in bf16 in a quarter of transformers' time and
under half of CTranslate2's on the `make bench` prompts (bench/local_engines.py): its flash attention
and tiled matrix kernels prefill long LR2Bench prompts quickly, and bf16 weights halve what every
decoding step reads. llama-cpp-python's `Llama` class decodes one sequence at a time; here up to
``batch_size`` rows decode together and a waiting prompt takes a row as soon as one ends.

Batch invariance: a completion never depends on which other requests share its steps, on the batch
size or on the thread count (tests/test_local_engines.py checks it). It holds by construction:
- the KV cache has one stream per row (``kv_unified`` off), so a row's attention reads only its own
  tokens, in order;
- a prompt is prefilled alone, in chunks of ``CHUNK`` tokens from its start: the same computation
  whatever else is running;
- each decoding step sends one token for every row from 0 to the highest busy one (idle rows get a
  throwaway token), and at least two: llama.cpp then runs the step as one micro-batch (it groups only
  consecutive sequence ids) and every matrix product takes its tiled kernel, which computes each
  output element on its own (a single row would take another kernel, with other rounding).

Semantics kept from the other engines (cpu_generation.py): the transformers tokenizer renders and
tokenizes the prompt, a completion ends at an end-of-sequence token (counted, left out of the text),
a stop string (trimmed) or max_tokens ("length"); greedy at temperature 0. Sampling draws from
``numpy.random.default_rng(seed + k)`` for the k-th completion of a prompt, so draws too are
independent of the batch.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.backends.base import fit_max_tokens, prompt_fills_context
from harness.backends.cpu_generation import choose_threads, finished_generation, has_stop
from harness.core.errors import HarnessError
from harness.core.types import Generation, GenerationSettings

CHUNK = 512  # prompt tokens per prefill call (llama.cpp's micro-batch)
WEIGHTS = ("bf16", "f32", "f16", "q4_1")  # the default follows the CPU: cpu_generation.preferred_weights
_CONTEXT_STEP = 1024  # rows' context is sized up to the next multiple of this


def weights_file(source: Path, weights: str, cache: Path) -> Path:
    """The GGUF to run: the source as is for its own type (q4_1), else a copy of its weights in
    ``weights`` precision written once by llama.cpp's own quantizer (seconds), next to the other
    converted models."""
    if weights == "q4_1":
        return source
    target = cache / f"{source.stem.rsplit('.', 1)[0]}.{weights}.gguf"
    if target.is_file():
        return target
    import llama_cpp

    ftypes = {"bf16": llama_cpp.LLAMA_FTYPE_MOSTLY_BF16, "f16": llama_cpp.LLAMA_FTYPE_MOSTLY_F16,
              "f32": llama_cpp.LLAMA_FTYPE_ALL_F32}
    print(f"harness: writing the model's weights once as {weights} for llama.cpp into {target}", file=sys.stderr, flush=True)
    cache.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + f".partial-{os.getpid()}")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = ftypes[weights]
    params.allow_requantize = True
    params.nthread = os.cpu_count() or 1
    _quiet()
    if llama_cpp.llama_model_quantize(str(source).encode(), str(partial).encode(), ctypes.byref(params)) != 0:
        partial.unlink(missing_ok=True)
        raise HarnessError(f"llama.cpp could not convert {source} to {weights}")
    partial.replace(target)
    return target


def _quiet() -> None:
    """llama.cpp prints hundreds of lines per model load; keep its errors only."""
    from llama_cpp import _logger

    _logger.set_verbose(False)


@dataclass
class _Row:
    """One completion in progress: prompt ``prompt`` (index), completion ``k`` of it."""

    prompt: int
    k: int
    position: int
    tokens: list[int] = field(default_factory=list)
    rng: Any = None


class LlamaCppBatchGenerator:
    """Continuous-batched generation on ``threads`` CPU threads over one GGUF model."""

    def __init__(self, gguf: Path, tokenizer: Any, eos_ids: set[int], threads: int | None):
        import llama_cpp

        _quiet()
        llama_cpp.llama_backend_init()
        self.lib = llama_cpp
        self.gguf = gguf
        self.tokenizer = tokenizer
        self.eos_ids = sorted(eos_ids)
        self.filler = self.eos_ids[0] if self.eos_ids else 0  # the throwaway token of idle rows
        self.threads, self.threads_reason = (threads, "--threads") if threads else choose_threads()
        params = llama_cpp.llama_model_default_params()
        params.n_gpu_layers = 0
        self.model = llama_cpp.llama_model_load_from_file(str(gguf).encode(), params)
        if not self.model:
            raise HarnessError(f"llama.cpp could not load {gguf}")
        self.n_vocab = llama_cpp.llama_vocab_n_tokens(llama_cpp.llama_model_get_vocab(self.model))
        self.n_ctx_train = llama_cpp.llama_model_n_ctx_train(self.model)
        self.context: Any = None
        self.context_shape = (0, 0)  # (rows, tokens per row)
        self.batch = llama_cpp.llama_batch_init(CHUNK, 0, 1)

    def close(self) -> None:
        if self.batch is not None:
            self.lib.llama_batch_free(self.batch)
            self.batch = None
        self._free_context()
        if self.model is not None:
            self.lib.llama_model_free(self.model)
            self.model = None

    def _free_context(self) -> None:
        if self.context is not None:
            self.lib.llama_free(self.context)
            self.context = None
            self.context_shape = (0, 0)

    def _context_for(self, rows: int, tokens: int) -> Any:
        """A context with ``rows`` KV streams of at least ``tokens`` cells each; kept while big enough
        (the sizes change no result: a row's attention skips cells it cannot see)."""
        have_rows, have_tokens = self.context_shape
        if self.context is not None and have_rows >= rows and have_tokens >= tokens:
            return self.context
        self._free_context()
        rows, tokens = max(rows, have_rows), max(tokens, have_tokens)
        params = self.lib.llama_context_default_params()
        params.n_ctx = rows * tokens
        params.n_batch = params.n_ubatch = CHUNK
        params.n_seq_max = rows
        params.n_threads = params.n_threads_batch = self.threads
        params.kv_unified = False
        params.flash_attn_type = self.lib.LLAMA_FLASH_ATTN_TYPE_ENABLED
        self.context = self.lib.llama_init_from_model(self.model, params)
        if not self.context:
            raise HarnessError(f"llama.cpp could not allocate a context of {rows} x {tokens} tokens")
        self.context_shape = (rows, tokens)
        return self.context

    def generate(self, prompts: Sequence[str], settings: GenerationSettings, batch_size: int,
                 seeds: Sequence[int] | None = None) -> Iterator[tuple[int, Generation]]:
        """(prompt index, Generation) for every prompt, in the order they finish; at most
        ``batch_size`` rows decode at once (a prompt with n completions takes n rows). ``seeds``: each
        prompt's own seed when sampling (default: ``settings.seed`` for all), so requests that differ
        only in their seed decode together and draw what each would alone."""
        tokenized = [self.tokenizer(p, add_special_tokens=False).input_ids for p in prompts]
        limits = [fit_max_tokens(settings.max_tokens, len(tokens), self.n_ctx_train) for tokens in tokenized]
        waiting: list[tuple[int, int]] = []
        for index, tokens in enumerate(tokenized):
            if limits[index] == 0:
                yield index, Generation(texts=[""] * settings.n, finish_reasons=["error"] * settings.n,
                                        prompt_tokens=len(tokens), completion_tokens=[0] * settings.n,
                                        error=prompt_fills_context(len(tokens), self.n_ctx_train))
            elif not tokens:
                yield index, Generation(texts=[""] * settings.n, finish_reasons=["error"] * settings.n,
                                        completion_tokens=[0] * settings.n, error="empty prompt: nothing to continue")
            else:
                waiting.extend((index, k) for k in range(settings.n))
        if not waiting:
            return
        # llama.cpp holds at most llama_max_parallel_sequences() rows (256), a step at most CHUNK tokens
        rows = max(2, min(batch_size, len(waiting), CHUNK, self.lib.llama_max_parallel_sequences()))
        longest = max(len(tokenized[i]) + limits[i] for i, _ in waiting)
        context = self._context_for(rows, min(self.n_ctx_train, -(-longest // _CONTEXT_STEP) * _CONTEXT_STEP))
        memory = self.lib.llama_get_memory(context)
        slots: list[_Row | None] = [None] * rows
        ends: dict[int, dict[int, tuple[list[int], bool]]] = {}
        stop = tuple(s for s in settings.stop if s)
        waiting.reverse()  # popped from the end: first come, first served

        def finish(slot: int, row: _Row, ended: bool) -> Iterator[tuple[int, Generation]]:
            slots[slot] = None
            self.lib.llama_memory_seq_rm(memory, slot, -1, -1)
            done = ends.setdefault(row.prompt, {})
            done[row.k] = (row.tokens, ended)
            if len(done) == settings.n:
                yield row.prompt, finished_generation(self.tokenizer, self.eos_ids, tokenized[row.prompt],
                                                      [done[k] for k in range(settings.n)], settings, limits[row.prompt])

        def take(slot: int, row: _Row, logits_index: int) -> Iterator[tuple[int, Generation]]:
            token = self._pick(context, logits_index, settings, row.rng)
            row.tokens.append(token)
            hit_eos = token in self.eos_ids
            hit_stop = bool(stop) and not hit_eos and has_stop(self.tokenizer.decode(row.tokens), stop)
            if hit_eos or hit_stop or len(row.tokens) >= limits[row.prompt]:
                yield from finish(slot, row, hit_eos or hit_stop)

        while waiting or any(slots):
            for slot in range(rows):  # new prompts take the lowest free rows, prefilled one by one
                if slots[slot] is None and waiting:
                    prompt, k = waiting.pop()
                    seed = settings.seed if seeds is None else seeds[prompt]
                    joining = slots[slot] = _Row(prompt, k, position=len(tokenized[prompt]), rng=_rng(settings, seed, k))
                    last = self._prefill(context, memory, slot, tokenized[prompt])
                    yield from take(slot, joining, last)
            busy = [slot for slot in range(rows) if slots[slot] is not None]
            if not busy:
                continue
            step = max(2, busy[-1] + 1)
            for slot in range(step):
                current = slots[slot]
                if current is None:  # a throwaway token keeps the step one micro-batch of >= 2 rows
                    self.lib.llama_memory_seq_rm(memory, slot, -1, -1)
                    self._put(slot, self.filler, 0, slot, True)
                else:
                    self._put(slot, current.tokens[-1], current.position, slot, True)
                    current.position += 1
            self._decode(context, step)
            for slot in busy:
                decoding = slots[slot]
                assert decoding is not None
                yield from take(slot, decoding, slot)

    def _put(self, i: int, token: int, position: int, sequence: int, logits: bool) -> None:
        batch = self.batch
        batch.token[i] = token
        batch.pos[i] = position
        batch.n_seq_id[i] = 1
        batch.seq_id[i][0] = sequence
        batch.logits[i] = logits

    def _prefill(self, context: Any, memory: Any, slot: int, tokens: Sequence[int]) -> int:
        """Feed a whole prompt to row ``slot``; the batch index of its last token's logits."""
        self.lib.llama_memory_seq_rm(memory, slot, -1, -1)
        count = 0
        for start in range(0, len(tokens), CHUNK):
            chunk = tokens[start:start + CHUNK]
            for i, token in enumerate(chunk):
                self._put(i, token, start + i, slot, i == len(chunk) - 1)
            count = len(chunk)
            self._decode(context, count)
        return count - 1

    def _decode(self, context: Any, count: int) -> None:
        self.batch.n_tokens = count
        status = self.lib.llama_decode(context, self.batch)
        if status != 0:
            raise HarnessError(f"llama.cpp could not decode a batch of {count} tokens (status {status})")

    def _pick(self, context: Any, index: int, settings: GenerationSettings, rng: Any) -> int:
        import numpy as np

        logits = np.ctypeslib.as_array(self.lib.llama_get_logits_ith(context, index), shape=(self.n_vocab,))
        if rng is None:
            return int(logits.argmax())
        return sample(logits, settings.temperature, settings.top_p, rng)


def _rng(settings: GenerationSettings, seed: int, k: int) -> Any:
    """The random generator of completion ``k`` of a prompt seeded ``seed`` when sampling (None: greedy)."""
    if settings.temperature <= 0:
        return None
    import numpy as np

    return np.random.default_rng(seed + k)


def sample(logits: Any, temperature: float, top_p: float, rng: Any) -> int:
    """A token drawn from softmax(logits / temperature), restricted to the smallest set of most
    likely tokens whose probability reaches ``top_p`` (nucleus sampling); float64 throughout."""
    import numpy as np

    scaled = logits.astype(np.float64) / temperature
    order = np.argsort(-scaled, kind="stable")
    probs = np.exp(scaled[order] - scaled[order[0]])
    probs /= probs.sum()
    if top_p < 1.0:
        keep = int(np.searchsorted(np.cumsum(probs), top_p)) + 1
        probs = probs[:keep] / probs[:keep].sum()
    return int(order[rng.choice(len(probs), p=probs)])
