"""Budget forcing (s1, Muennighoff et al. 2025): control how long a model thinks by editing its own turn.

``forced``  the model thinks up to ``budget`` tokens; when it reaches the budget still thinking, the
            end-of-thinking delimiter and an answer cue are appended to its turn and it gets at most
            ``answer_tokens`` more to answer. A completion that ends by itself within the budget stands.
``extend``  the model thinks, stopped at the end-of-thinking delimiter; each time it stops early,
            "Wait" is appended in place of the delimiter and it goes on (at most ``max_waits`` times,
            within ``budget`` thinking tokens in all); then the delimiter and the answer cue, and at most
            ``answer_tokens`` to answer.

The text either strategy appends (delimiter, cue, "Wait") is listed in the outcome's ``info["inserted"]``
as [start, end) character spans of the final text, so readers of the trace (the behaviour detector,
thought switches) can tell the strategy's words from the model's.

Both continue a partial assistant turn (the request's ``assistant_prefill`` grows by what the model
wrote and what was appended), so they need the "prefill" capability: local models, hf:, vllm:, lm-eval
and completions endpoints can; a chat API is refused in one line before anything is asked. Each
continuation is an ordinary cached request. The end-of-thinking delimiter depends on the model: "auto"
reads END_OF_THINKING by the model spec, and ``--strategy-option delimiter=...`` sets it. The answer cue
is the family's (Family.answer_cue: "<answer>" where answers are tagged), else s1's "Final Answer:".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from harness.core.metric_spec import binary, bounded
from harness.core.registry import Family
from harness.core.types import Generation, GenerationSettings, LoglikelihoodResult, Request, Sample
from harness.strategies.registry import register_strategy
from harness.strategies.types import Ask, Strategy, StrategyContext, StrategyOutcome, StrategyProgram

# model-spec substrings (lower case) -> the text that ends their thinking; first match wins
END_OF_THINKING: tuple[tuple[str, str], ...] = (
    ("simplescaling/s1", "<|im_start|>answer"),  # s1's own models: an "answer" turn after the "think" turn
    ("qwen3", "</think>"), ("qwq", "</think>"), ("deepseek-r1", "</think>"), ("r1-distill", "</think>"),
    ("thinkless", "</think>"), ("smollm3", "</think>"),
)
DEFAULT_END_OF_THINKING = "</think>"  # also what the Countdown and Sudoku prompts ask models to write
S1_ANSWER_CUE = "Final Answer:"


def end_of_thinking(model: str, delimiter: str = "auto") -> str:
    """The delimiter a strategy appends: the option's text, or for "auto" the model's (END_OF_THINKING)."""
    if delimiter != "auto":
        return delimiter
    spec = model.lower()
    return next((text for key, text in END_OF_THINKING if key in spec), DEFAULT_END_OF_THINKING)


def answer_cue(family: Family, cue: str = "auto") -> str:
    """The text that opens the answer after the delimiter: the option's, or the family's own answer cue."""
    if cue != "auto":
        return cue
    return "\n" + (family.answer_cue or S1_ANSWER_CUE) + " "


def continue_turn(request: Request, written: str, max_tokens: int, stop: Sequence[str] | None = None) -> Request:
    """``request`` with ``written`` appended to the assistant's turn (and to the plain-text prompt, which
    ends with the prefill), asking for at most ``max_tokens`` more."""
    settings = dataclasses.replace(request.settings, max_tokens=max(1, max_tokens), n=1,
                                   stop=tuple(request.settings.stop if stop is None else stop))
    return dataclasses.replace(request, assistant_prefill=request.assistant_prefill + written,
                               prompt=request.prompt + written, settings=settings)


@dataclass(frozen=True)
class ForcedOptions:
    budget: int = 512  # thinking tokens before the end is forced
    answer_tokens: int = 64  # tokens allowed after the answer cue
    delimiter: str = "auto"  # end-of-thinking text; auto: by the model (END_OF_THINKING)
    answer_cue: str = "auto"  # text that opens the answer; auto: the family's (Family.answer_cue), else "Final Answer:"

    def validate(self) -> None:
        if self.budget < 1 or self.answer_tokens < 1:
            raise ValueError(f"budget and answer_tokens must be >= 1, got {self.budget} and {self.answer_tokens}")


@dataclass(frozen=True)
class ExtendOptions(ForcedOptions):
    max_waits: int = 2  # how many times an early stop is answered with "Wait"
    wait: str = "Wait"  # what is appended in place of the delimiter

    def validate(self) -> None:
        super().validate()
        if self.max_waits < 0:
            raise ValueError(f"max_waits must be >= 0, got {self.max_waits}")


BUDGET_METRICS = (
    bounded("thinking_tokens", "tokens the model generated while thinking (before any forced end)", 0.0, None, higher_is_better=None),
    binary("forced", "completions whose thinking reached the budget and had its end forced", higher_is_better=None),
    bounded("waits", "times an early stop was answered with 'Wait' (extend)", 0.0, None, higher_is_better=None),
)


def _first(result: Generation | LoglikelihoodResult) -> tuple[str, str, int]:
    """The one completion of a generate request: (text, finish reason, tokens)."""
    if not isinstance(result, Generation):
        raise TypeError("budget forcing asks generations only")
    text = result.texts[0] if result.texts else ""
    reason = result.finish_reasons[0] if result.finish_reasons else "stop"
    tokens = result.completion_tokens[0] if result.completion_tokens else 0
    return text, reason, int(tokens)


def _answer_phase(ctx: StrategyContext, thought: str, delimiter: str, cue: str, options: ForcedOptions) -> StrategyProgram:
    """Append the delimiter and the cue to the turn, let the model answer; return the answer and its end."""
    appended = delimiter + cue
    [answer] = yield Ask(continue_turn(ctx.request, thought + appended, options.answer_tokens), label="answer")
    text, reason, _ = _first(answer)
    return StrategyOutcome(texts=[thought + appended + text], finish_reasons=[reason],
                           info={"inserted": [[len(thought), len(thought) + len(appended)]]})


def forced(ctx: StrategyContext, sample: Sample) -> StrategyProgram:
    options: ForcedOptions = ctx.options or ForcedOptions()
    settings: GenerationSettings = dataclasses.replace(ctx.request.settings, max_tokens=options.budget, n=1)
    [first] = yield Ask(dataclasses.replace(ctx.request, settings=settings), label="think")
    thought, reason, tokens = _first(first)
    if reason != "length":  # it ended by itself within the budget: its completion stands
        return StrategyOutcome(texts=[thought], finish_reasons=[reason], scores={"thinking_tokens": float(tokens), "forced": 0.0})
    outcome = yield from _answer_phase(ctx, thought, end_of_thinking(ctx.model, options.delimiter),
                                       answer_cue(ctx.task.family, options.answer_cue), options)
    outcome.scores = {"thinking_tokens": float(tokens), "forced": 1.0}
    return outcome


def extend(ctx: StrategyContext, sample: Sample) -> StrategyProgram:
    options: ExtendOptions = ctx.options or ExtendOptions()
    delimiter = end_of_thinking(ctx.model, options.delimiter)
    stops = (*ctx.request.settings.stop, delimiter)
    thought, used, waits = "", 0, 0
    inserted: list[list[int]] = []  # [start, end) of each appended "Wait": the strategy's words, not the model's
    while True:
        [result] = yield Ask(continue_turn(ctx.request, thought, options.budget - used, stop=stops), label=f"think {waits}")
        text, reason, tokens = _first(result)
        thought, used = thought + text, used + tokens
        if reason == "length" or used >= options.budget or waits >= options.max_waits:
            break
        if thought and not thought[-1].isspace():
            thought += " "
        inserted.append([len(thought), len(thought) + len(options.wait)])
        thought += options.wait
        waits += 1
    outcome = yield from _answer_phase(ctx, thought, delimiter, answer_cue(ctx.task.family, options.answer_cue), options)
    outcome.scores = {"thinking_tokens": float(used), "forced": float(used >= options.budget), "waits": float(waits)}
    outcome.info = {"waits": waits, "inserted": inserted + outcome.info["inserted"]}
    return outcome


FORCED = register_strategy(Strategy(
    name="forced", description="budget forcing (s1): at `budget` thinking tokens, append the end-of-thinking delimiter and"
    " an answer cue, then at most `answer_tokens` to answer", run=forced, needs=frozenset({"generate", "prefill"}),
    options=ForcedOptions, metrics=BUDGET_METRICS[:2], max_steps=2,
))
EXTEND = register_strategy(Strategy(
    name="extend", description="budget forcing (s1): when the model stops thinking early, append 'Wait' (up to"
    " `max_waits` times, within `budget` tokens), then the delimiter, an answer cue and at most `answer_tokens`",
    run=extend, needs=frozenset({"generate", "prefill"}), options=ExtendOptions, metrics=BUDGET_METRICS,
))
