"""lmeval:<model>,<args> — any model registered in lm-eval, used as this harness's backend.

    harness run TASK --model lmeval:hf                                   # the embedded SmolLM2 via lm-eval
    harness run TASK --model lmeval:hf,pretrained=Qwen/Qwen2.5-0.5B-Instruct,dtype=bfloat16
    harness run TASK --model "lmeval:vllm,pretrained=Qwen/Qwen2.5-7B-Instruct,tensor_parallel_size=2,data_parallel_size=4"

This is how a run scales past one GPU (vLLM tensor/data parallel, SGLang, ...) without this
project writing engine code: the text after the first comma is lm-eval's own --model_args string,
handed to ``create_from_arg_string`` unchanged, with --batch-size/--device/--dtype filled in where
the string does not set them. ``lmeval:hf`` with no ``pretrained=`` means the embedded model.

Chat requests are rendered with the model's chat template through lm-eval's
``apply_chat_template`` (plain prompts otherwise, as the local backend does); n completions are n
copies of a request (vLLM/SGLang get seeds seed, seed+1, ...; hf models sample from torch's RNG
seeded per chunk). Requests go to lm-eval in chunks (``chunk_size`` option: default 512 for
vLLM/SGLang, 4 x batch size otherwise) so results are cached chunk by chunk.

lm-eval returns only strings, so token counts are re-counted with the model's tokenizer (plus one
for the end or stop token, as the other backends count it), and a completion that used all
``max_tokens`` is reported as finish_reason "length" (truncated).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

from harness.backends.base import Backend, BackendOptions
from harness.core.errors import HarnessError, did_you_mean
from harness.core.types import Generation, Loglikelihood, LoglikelihoodResult, Request

# lm-eval models that take a per-request seed in their sampling parameters.
SEEDED_ENGINES = frozenset({"vllm", "vllm-vlm", "sglang", "sglang-generate"})
HF_NAMES = frozenset({"hf", "hf-auto", "huggingface"})


def parse_spec(spec: str) -> tuple[str, str]:
    """'vllm,pretrained=X,tensor_parallel_size=2' -> ('vllm', 'pretrained=X,tensor_parallel_size=2')."""
    name, _, args = spec.partition(",")
    return name.strip(), args.strip().strip(",")


def arg_values(args: str) -> dict[str, str]:
    """'pretrained=X,dtype=float32' -> {'pretrained': 'X', 'dtype': 'float32'}."""
    return {key.strip(): value.strip() for key, sep, value in (part.partition("=") for part in args.split(",")) if sep}


def arg_keys(args: str) -> set[str]:
    return set(arg_values(args))


def _settle_hub_access(pretrained: str | None) -> None:
    """A hub id with the hub unreachable: fail in seconds (not cached) or switch the process to the
    hub's offline mode (cached), so lm-eval's loaders do not retry the network for a minute."""
    if not pretrained:
        return
    from harness.core.hub import must_load_from_cache

    if must_load_from_cache(pretrained, local_hint="pretrained=/path/to/model"):
        import huggingface_hub.constants

        os.environ["HF_HUB_OFFLINE"] = "1"
        huggingface_hub.constants.HF_HUB_OFFLINE = True  # read at import; the loaders ask this flag


def resolve_lm_class(name: str) -> type:
    """The lm-eval model class for a name, with lm-eval's built-in models registered first."""
    import lm_eval.models  # noqa: F401 - registers the built-ins; resolving before this hides them
    from lm_eval.api.registry import get_model, model_registry

    try:
        return get_model(name)
    except ValueError:
        known = sorted(model_registry.keys())
        raise HarnessError(f"lm-eval has no model '{name}'{did_you_mean(name, known)}; known: {', '.join(known)}") from None
    except ImportError as exc:  # registered lazily; its engine (vllm, sglang, ...) is not installed
        missing = getattr(exc, "name", None) or str(exc)
        raise HarnessError(f"lm-eval model '{name}' needs the package '{missing}', which is not installed"
                           f" (pip install {missing})") from None


class LMEvalBackend(Backend):
    """Generation and log-likelihood through an lm-eval ``LM`` instance."""

    name = "lmeval"
    answer_options = frozenset({"chunk_size"})  # seeded engines draw per chunk
    supports_chat = True
    supports_loglikelihood = True

    def __init__(self, spec: str, options: BackendOptions) -> None:
        model_name, args = parse_spec(spec)
        if not model_name:
            raise HarnessError("lmeval: needs an lm-eval model name, e.g. --model lmeval:hf or"
                               " lmeval:vllm,pretrained=Qwen/Qwen2.5-7B-Instruct,tensor_parallel_size=2")
        self.model_name = model_name
        if model_name in HF_NAMES and "pretrained" not in arg_keys(args):
            from harness.backends.local import converted_model_dir

            args = ",".join(filter(None, [f"pretrained={converted_model_dir()}", args]))
        self.args = args
        self.options = options
        extra = dict(options.extra or {})
        default_chunk = 512 if model_name in SEEDED_ENGINES else max(1, options.batch_size) * 4
        try:
            self.chunk_size = max(1, int(extra.get("chunk_size", default_chunk)))
        except (TypeError, ValueError):
            raise HarnessError(f"backend option chunk_size expects an integer, got '{extra.get('chunk_size')}'") from None
        given = arg_keys(args)
        device = options.device
        if device is None and model_name not in SEEDED_ENGINES:  # lm-eval's hf default is cuda, even without one
            import torch

            device = "cuda" if torch.cuda.is_available() else "cpu"
        additional = {"batch_size": options.batch_size, "device": device, "dtype": options.dtype}
        additional = {k: v for k, v in additional.items() if v is not None and k not in given}
        if model_name in SEEDED_ENGINES:
            additional.pop("device", None)  # vLLM/SGLang place themselves
        lm_class = resolve_lm_class(model_name)
        _settle_hub_access(arg_values(args).get("pretrained"))
        try:
            self.lm = lm_class.create_from_arg_string(args, additional)  # type: ignore[attr-defined]  # an lm-eval LM class
        except (OSError, ValueError, TypeError) as exc:
            raise HarnessError(f"lm-eval could not create '{model_name}' from '{args}': {exc}".splitlines()[0]) from None

    def sends_assistant_prefill(self, request: Request) -> bool:
        """Appended to a rendered text prompt, or in the plain prompt; an API model's JSON chat cannot."""
        return request.messages is None or isinstance(self.render(request), str)

    def describe(self) -> dict[str, Any]:
        import lm_eval

        return {"name": self.name, "lm_eval_model": self.model_name, "model_args": self.args,
                "lm_eval_version": getattr(lm_eval, "__version__", "?"), "chunk_size": self.chunk_size,
                "batch_size": self.options.batch_size}

    def close(self) -> None:
        self.lm = None

    # ---- text and tokens ---------------------------------------------------------------------
    def render(self, request: Request) -> str:
        """The chat template for chat requests when the model has one, else the plain prompt."""
        if request.messages is not None:
            try:
                rendered = self.lm.apply_chat_template([dict(m) for m in request.messages], add_generation_prompt=True)
            except Exception:  # noqa: BLE001 - no template (base model) or not implemented: plain text
                return request.prompt
            if request.assistant_prefill and isinstance(rendered, str):
                # lm-eval renders no partial assistant turn: the prefill follows the generation prompt
                rendered += request.assistant_prefill
            return rendered  # API models: their JSON chat form, which cannot carry a prefill
        return request.prompt

    def count_tokens(self, text: str) -> int:
        encode = getattr(self.lm, "tok_encode", None)
        if encode is None:
            return 0
        try:
            return len(encode(text))
        except Exception:  # noqa: BLE001 - token accounting must never fail a run
            return 0

    # ---- generation --------------------------------------------------------------------------
    def generate(self, requests: Sequence[Request]) -> Iterator[tuple[int, Generation]]:
        from lm_eval.api.instance import Instance

        for start in range(0, len(requests), self.chunk_size):
            chunk = list(range(start, min(len(requests), start + self.chunk_size)))
            contexts = {i: self.render(requests[i]) for i in chunk}
            instances: list[Any] = []
            owners: list[Any] = []
            for i in chunk:
                s = requests[i].settings
                for copy in range(s.n):
                    instances.append(Instance("generate_until", {}, (contexts[i], self._gen_kwargs(s, copy)),
                                              len(instances)))
                    owners.append(i)
            self._seed(requests[chunk[0]].settings.seed)
            try:
                texts = self.lm.generate_until(instances, disable_tqdm=True)
            except (RuntimeError, ValueError, AssertionError) as exc:  # OOM, context overflow, ...
                error = f"lm-eval {self.model_name}: {type(exc).__name__}: {exc}"[:300]
                for i in chunk:
                    yield i, Generation(texts=[""], finish_reasons=["error"], error=error)
                continue
            by_request: dict[int, list[str]] = {i: [] for i in chunk}
            for owner, text in zip(owners, texts):
                by_request[owner].append(text)
            for i in chunk:
                yield i, self._generation(requests[i], contexts[i], by_request[i])

    def _gen_kwargs(self, settings: Any, copy: int) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"until": list(settings.stop), "max_gen_toks": settings.max_tokens,
                                  "do_sample": settings.temperature > 0, "temperature": settings.temperature}
        if settings.temperature > 0 and settings.top_p != 1.0:
            kwargs["top_p"] = settings.top_p
        if self.model_name in SEEDED_ENGINES:
            kwargs["seed"] = settings.seed + copy
        return kwargs

    def _seed(self, seed: int) -> None:
        """hf models sample from torch's global RNG: seed it per chunk, as lm-eval itself does."""
        if self.model_name in SEEDED_ENGINES:
            return
        try:
            import torch

            torch.manual_seed(seed)
        except ImportError:  # pragma: no cover - torch is a dependency
            pass

    def _generation(self, request: Request, context: str, texts: list[str]) -> Generation:
        limit = request.settings.max_tokens
        counts, reasons = [], []
        for text in texts:
            count = self.count_tokens(text)
            if count >= limit:
                counts.append(limit)
                reasons.append("length")
            else:  # + the end-of-sequence or stop token the model generated, as other backends count
                counts.append(count + 1)
                reasons.append("stop")
        return Generation(texts=list(texts), finish_reasons=reasons, prompt_tokens=self.count_tokens(context),
                          completion_tokens=counts)

    # ---- log-likelihood ----------------------------------------------------------------------
    def loglikelihood(self, requests: Sequence[Request]) -> Iterator[tuple[int, LoglikelihoodResult]]:
        from lm_eval.api.instance import Instance

        for start in range(0, len(requests), self.chunk_size):
            chunk = list(range(start, min(len(requests), start + self.chunk_size)))
            instances: list[Any] = []
            slots: list[Any] = []
            for i in chunk:
                for j, continuation in enumerate(requests[i].continuations):
                    if continuation:
                        instances.append(Instance("loglikelihood", {}, (requests[i].prompt, continuation),
                                                  len(instances)))
                        slots.append((i, j))
            try:
                scores = self.lm.loglikelihood(instances, disable_tqdm=True) if instances else []
            except (RuntimeError, ValueError, AssertionError) as exc:
                error = f"lm-eval {self.model_name}: {type(exc).__name__}: {exc}"[:300]
                for i in chunk:
                    yield i, LoglikelihoodResult(results=[], error=error)
                continue
            found = {slot: score for slot, score in zip(slots, scores)}
            for i in chunk:
                yield i, self._loglikelihood_result(requests[i], found, i)

    def _loglikelihood_result(self, request: Request, found: dict, index: int) -> LoglikelihoodResult:
        results, prompt_tokens = [], 0
        for j, continuation in enumerate(request.continuations):
            if not continuation:
                results.append(Loglikelihood(0.0, True, 0))
                continue
            logprob, greedy = found[(index, j)]
            context_ids, continuation_ids = self._pair_tokens(request.prompt, continuation)
            prompt_tokens = max(prompt_tokens, context_ids)
            results.append(Loglikelihood(logprob=float(logprob), is_greedy=bool(greedy), n_tokens=continuation_ids))
        return LoglikelihoodResult(results=results, prompt_tokens=prompt_tokens)

    def _pair_tokens(self, prompt: str, continuation: str) -> tuple[int, int]:
        encode_pair = getattr(self.lm, "_encode_pair", None)
        if encode_pair is not None:
            try:
                context_ids, continuation_ids = encode_pair(prompt, continuation)
                return len(context_ids), len(continuation_ids)
            except Exception:  # noqa: BLE001 - counts only
                pass
        return self.count_tokens(prompt), self.count_tokens(continuation)
