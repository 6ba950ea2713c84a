"""hf:<path-or-hub-id>: any transformers causal LM, batched, on CUDA when present else CPU.

Generation: requests are grouped by identical settings and padded on the left; stop strings are
handled by transformers' `stop_strings` and trimmed from the text. Log-likelihood: lm-eval's
recipe (continuation tokens = tokens of prompt+continuation past the prompt's tokens), scored in
fp32 by default, right-padded batches sorted by length.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from harness.backends.base import Backend, BackendOptions, fit_max_tokens, prompt_fills_context
from harness.core.errors import HarnessError
from harness.core.types import Generation, Loglikelihood, LoglikelihoodResult, Request


class HFBackend(Backend):
    supports_loglikelihood = True

    def __init__(self, model: str, options: BackendOptions):
        if not model:
            raise HarnessError("hf: needs a model, e.g. --model hf:HuggingFaceTB/SmolLM2-135M-Instruct or hf:/path/to/model")
        if model.startswith(("/", ".", "~")) and not Path(model).expanduser().exists():
            raise HarnessError(f"model folder not found: {model} (give a transformers model folder or a hub id like owner/name)")
        self.model_id = model
        self.options = options
        self.name = f"hf:{model}"
        from harness.core.hub import must_load_from_cache

        # An unreachable hub fails here in seconds, or loads a cached model without retrying the hub.
        offline = {"local_files_only": True} if must_load_from_cache(model) else {}
        self._load(str(Path(model).expanduser()) if model.startswith("~") else model, **offline)

    # -- loading -------------------------------------------------------------------------------
    def _load(self, model: str, **kwargs: Any) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # our own progress bar is the one that matters
        device = self.options.device or ("cuda" if torch.cuda.is_available() else "cpu")
        if self.options.threads:
            torch.set_num_threads(self.options.threads)  # fewer threads win on a busy CPU
        dtype = getattr(torch, self.options.dtype) if self.options.dtype else torch.float32
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(model, **kwargs)
            self.model = AutoModelForCausalLM.from_pretrained(model, dtype=dtype, **kwargs).to(device)
        except OSError as exc:
            raise HarnessError(f"could not load model '{model}': {str(exc).splitlines()[0]}") from None
        self.model.eval()
        self.device = device
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.supports_chat = bool(getattr(self.tokenizer, "chat_template", None))
        self.max_length = int(getattr(self.model.config, "max_position_embeddings", 2048) or 2048)

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "device": self.device,
            "dtype": str(self.model.dtype).replace("torch.", ""),
            "batch_size": self.options.batch_size,
            "threads": self.options.threads,
            "chat_template": self.supports_chat,
        }

    # -- prompts -------------------------------------------------------------------------------
    def render(self, request: Request) -> str:
        return render_for_model(self.tokenizer, self.supports_chat, request)

    def sends_assistant_prefill(self, request: Request) -> bool:
        return True  # chat template continued, or the plain prompt that ends with the prefill

    # -- generation ----------------------------------------------------------------------------
    def generate(self, requests: Sequence[Request]) -> Iterator[tuple[int, Generation]]:
        groups: dict[Any, list[int]] = defaultdict(list)
        for index, request in enumerate(requests):
            groups[request.settings].append(index)
        size = max(1, self.options.batch_size)
        for settings, indices in groups.items():
            for start in range(0, len(indices), size):
                batch = indices[start : start + size]
                texts = [self.render(requests[i]) for i in batch]
                lengths = [len(self.tokenizer(text, add_special_tokens=False).input_ids) for text in texts]
                limits = [fit_max_tokens(settings.max_tokens, n, self.max_length) for n in lengths]
                for i, n, limit in zip(batch, lengths, limits):
                    if limit == 0:
                        yield i, Generation(texts=[""] * settings.n, finish_reasons=["error"] * settings.n, prompt_tokens=n,
                                            completion_tokens=[0] * settings.n, error=prompt_fills_context(n, self.max_length))
                fitting = [(i, text, limit) for i, text, limit in zip(batch, texts, limits) if limit > 0]
                if fitting:
                    generations = self._generate_batch([t for _, t, _ in fitting], settings, [lim for _, _, lim in fitting])
                    for (i, _, _), generation in zip(fitting, generations):
                        yield i, generation

    def _generate_batch(self, prompts: list[str], settings, limits: list[int]) -> list[Generation]:
        """One padded batch; each prompt keeps at most its own limit (the request's max_tokens, or
        what the context leaves after it), so a text never depends on its neighbours' lengths."""
        import torch

        tok = self.tokenizer
        tok.padding_side = "left"
        encoded = tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
        prompt_lengths = encoded.attention_mask.sum(dim=1).tolist()
        kwargs: dict[str, Any] = {
            "max_new_tokens": max(limits),
            "num_return_sequences": settings.n,
            "pad_token_id": tok.pad_token_id,
        }
        if settings.temperature > 0:
            kwargs.update(do_sample=True, temperature=settings.temperature, top_p=settings.top_p)
            torch.manual_seed(settings.seed)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if settings.stop:
            kwargs.update(stop_strings=list(settings.stop), tokenizer=tok)
        with torch.no_grad():
            output = self.model.generate(**encoded, **kwargs)
        new_tokens = output[:, encoded.input_ids.shape[1] :]
        eos_ids = _eos_ids(self.model, tok)
        results = []
        for p, _ in enumerate(prompts):
            texts, reasons, counts = [], [], []
            for row in new_tokens[p * settings.n : (p + 1) * settings.n].tolist():
                row = row[: limits[p]]
                length = len(row)
                hit_eos = False
                for position, token in enumerate(row):
                    if token in eos_ids:
                        length, hit_eos = position + 1, True
                        break
                text = tok.decode(row[: length - 1 if hit_eos else length], skip_special_tokens=True)
                text, hit_stop = trim_at_stop(text, settings.stop)
                texts.append(text)
                reasons.append("stop" if hit_eos or hit_stop else "length")
                counts.append(length)
            fitted = limits[p] if limits[p] < settings.max_tokens else None
            results.append(Generation(texts=texts, finish_reasons=reasons, prompt_tokens=int(prompt_lengths[p]),
                                      completion_tokens=counts, max_tokens=fitted))
        return results

    # -- log-likelihood ------------------------------------------------------------------------
    def loglikelihood(self, requests: Sequence[Request]) -> Iterator[tuple[int, LoglikelihoodResult]]:
        pairs = [(i, j, self._encode_pair(self.render(r), c)) for i, r in enumerate(requests) for j, c in enumerate(r.continuations)]
        pending: dict[int, dict[int, Loglikelihood]] = defaultdict(dict)
        prompt_tokens: dict[int, int] = {}
        order = sorted(range(len(pairs)), key=lambda k: -len(pairs[k][2][0]) - len(pairs[k][2][1]))
        size = max(1, self.options.batch_size)
        for start in range(0, len(order), size):
            batch = [pairs[k] for k in order[start : start + size]]
            for (i, j, (context, continuation)), result in zip(batch, self._score_batch([p[2] for p in batch])):
                pending[i][j] = result
                prompt_tokens[i] = len(context)
                if len(pending[i]) == len(requests[i].continuations):
                    results = [pending[i][k] for k in range(len(requests[i].continuations))]
                    del pending[i]
                    yield i, LoglikelihoodResult(results=results, prompt_tokens=prompt_tokens[i])
        for i, request in enumerate(requests):
            if not request.continuations:
                yield i, LoglikelihoodResult(results=[], prompt_tokens=0)

    def _encode_pair(self, context: str, continuation: str) -> tuple[list[int], list[int]]:
        return encode_pair(self.tokenizer, context, continuation)

    def _score_batch(self, pairs: list[tuple[list[int], list[int]]]) -> list[Loglikelihood]:
        import torch

        sequences = []
        for context, continuation in pairs:
            tokens = (context + continuation)[-(self.max_length + 1) :]
            sequences.append(tokens[:-1])
        width = max(len(s) for s in sequences)
        pad = self.tokenizer.pad_token_id
        input_ids = torch.tensor([s + [pad] * (width - len(s)) for s in sequences], device=self.device)
        mask = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in sequences], device=self.device)
        with torch.no_grad():
            logits = self.model(input_ids=input_ids, attention_mask=mask).logits.float()
        logprobs = torch.log_softmax(logits, dim=-1)
        results = []
        for row, (seq, (_, continuation)) in enumerate(zip(sequences, pairs)):
            n = len(continuation)
            if n == 0:  # an empty continuation has probability 1
                results.append(Loglikelihood(logprob=0.0, is_greedy=True, n_tokens=0))
                continue
            positions = torch.arange(len(seq) - n, len(seq), device=self.device)
            targets = torch.tensor(continuation, dtype=torch.long, device=self.device)
            token_logprobs = logprobs[row, positions, targets]
            greedy = bool((logprobs[row, positions].argmax(dim=-1) == targets).all())
            results.append(Loglikelihood(logprob=float(token_logprobs.sum()), is_greedy=greedy, n_tokens=n))
        return results


def render_for_model(tokenizer: Any, supports_chat: bool, request: Request) -> str:
    """The exact text a model with a transformers tokenizer sees: the chat template for chat requests
    when the model has one (an assistant prefill as the partial last turn, continued), the plain-text
    prompt otherwise (which ends with the prefill already). A log-likelihood request with messages is
    scored after the same text: the continuation is what the assistant would answer. Shared by hf,
    local and vllm."""
    if request.messages is not None and supports_chat:
        messages = [dict(m) for m in request.messages]
        if request.assistant_prefill:
            try:
                partial = [*messages, {"role": "assistant", "content": request.assistant_prefill}]
                return tokenizer.apply_chat_template(partial, tokenize=False, continue_final_message=True)
            except ValueError:  # a template that rewrites the content: open the turn, then the prefill
                pass
        opened = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return opened + request.assistant_prefill
    return request.prompt


def encode_pair(tokenizer: Any, context: str, continuation: str) -> tuple[list[int], list[int]]:
    """(context tokens, continuation tokens) by lm-eval's rule: trailing whitespace of the context
    belongs to the continuation, whose tokens are those of context+continuation past the context's.
    Shared by every backend that tokenises with a transformers tokenizer (hf, local, vllm)."""
    spaces = len(context) - len(context.rstrip())
    if spaces:
        context, continuation = context[:-spaces], context[-spaces:] + continuation
    whole = tokenizer(context + continuation, add_special_tokens=False).input_ids
    context_ids = tokenizer(context, add_special_tokens=False).input_ids
    if not context_ids:  # score from a start token when there is no context
        start = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
        return [start], list(whole)
    return list(whole[: len(context_ids)]), list(whole[len(context_ids) :])


def _eos_ids(model: Any, tokenizer: Any) -> set[int]:
    ids = {tokenizer.eos_token_id} if tokenizer.eos_token_id is not None else set()
    configured = getattr(model.generation_config, "eos_token_id", None)
    if isinstance(configured, int):
        ids.add(configured)
    elif configured:
        ids.update(configured)
    return ids


def trim_at_stop(text: str, stop: Sequence[str]) -> tuple[str, bool]:
    """Cut text at the earliest stop string; report whether one was found."""
    cut = min((pos for pos in (text.find(s) for s in stop if s) if pos >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)
