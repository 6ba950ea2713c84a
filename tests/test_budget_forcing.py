"""Budget forcing (s1): the `forced` and `extend` strategies continue a model's own turn. A scripted
thinker makes every token count predictable: it thinks one word per token, ends its thinking with
"</think>" and then answers; after an answer cue it answers correctly. Pinned here: where the end is
forced, what is appended (the model's delimiter, the family's cue), how "Wait" replaces an early stop,
token accounting across rounds, the cache, and the one-line refusal of a backend that cannot continue a turn."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import pytest

from harness.backends.base import Backend
from harness.core.errors import HarnessError
from harness.core.types import Generation, Request
from harness.parsing.traces import model_written, thought_switches
from harness.pipeline.runner import RunSpec, run
from harness.strategies.budget import END_OF_THINKING, answer_cue, end_of_thinking
from harness.strategies.registry import get_strategy, make_strategy_options
from tasks.countdown.solver import solve_countdown
from tests.fake_backend import FakeCountdownBackend


class Thinker(Backend):
    """Thinks ``think_words`` words ("hmm"), then writes "</think> <answer>WRONG</answer>"; after a
    prefill ending in "<answer> " it writes the right expression and "</answer>". One word = one token."""

    name = "thinker"

    def __init__(self, think_words: int = 10) -> None:
        self.think_words = think_words
        self.asked: list[Request] = []

    def sends_assistant_prefill(self, request: Request) -> bool:
        return True

    def generate(self, requests: Sequence[Request]) -> Iterator[tuple[int, Generation]]:
        for index, request in enumerate(requests):
            self.asked.append(request)
            nums = tuple(int(n) for n in re.search(r"numbers \[([0-9, ]+)\]", request.messages[-1]["content"]).group(1).split(", "))
            target = int(re.search(r"equals ([0-9]+)", request.messages[-1]["content"]).group(1))
            if request.assistant_prefill.endswith("<answer> "):
                words = [*solve_countdown(nums, target).split(" "), "</answer>"]
            else:
                words = ["hmm"] * self.think_words + ["</think>", "<answer>", "1", "+", "1", "</answer>"]
            cap, stop = request.settings.max_tokens, request.settings.stop
            text, reason = " ".join(words[:cap]), "length" if len(words) > cap else "stop"
            for s in stop:
                if s in text:
                    text, reason = text[: text.index(s)], "stop"
            tokens = len(text.split())
            if request.assistant_prefill and not request.assistant_prefill[-1].isspace():
                text = " " + text  # a model goes on after "Wait" with a new word
            yield index, Generation(texts=[text], finish_reasons=[reason], prompt_tokens=30, completion_tokens=[tokens])


def _run(tmp_path, strategy, options, backend, out="run"):
    return run(RunSpec(tasks=["countdown-3"], model="hf:thinker", limit=2, results_dir=str(tmp_path), out=str(tmp_path / out),
                       progress=False, strategy=strategy, strategy_options=options), backend_factory=lambda m, o: backend)


def test_forced_cuts_thinking_at_the_budget_and_appends_the_delimiter_and_the_cue(tmp_path):
    import json

    backend = Thinker(think_words=10)
    outcome = _run(tmp_path, "forced", {"budget": "4", "answer_tokens": "16"}, backend)
    assert [r.settings.max_tokens for r in backend.asked] == [4, 4, 16, 16]  # think rounds, then answer rounds
    answer_request = backend.asked[2]
    assert answer_request.assistant_prefill == "hmm hmm hmm hmm</think>\n<answer> "  # the model's delimiter, the family's cue
    assert answer_request.prompt.endswith(answer_request.assistant_prefill)
    lines = [json.loads(line) for line in (outcome.run_dir / "samples.jsonl").read_text().splitlines()]
    assert all(line["scores"]["accuracy"] == 1.0 and line["scores"]["forced"] == 1.0 for line in lines)
    assert all(line["scores"]["thinking_tokens"] == 4.0 for line in lines)
    assert all(line["completion_tokens"] == 4 + line["trace"][1]["completion_tokens"] for line in lines)  # both rounds
    assert [step["label"] for step in lines[0]["trace"]] == ["think", "answer"]
    [[start, end]] = lines[0]["strategy_info"]["inserted"]
    assert lines[0]["responses"][0][start:end] == "</think>\n<answer> "
    # a budget the model never reaches: its own completion stands (here its wrong answer)
    roomy = _run(tmp_path, "forced", {"budget": "64"}, Thinker(think_words=10), out="roomy")
    assert roomy.rows[0]["metrics"]["forced"].value == 0.0 and roomy.rows[0]["metrics"]["accuracy"].value == 0.0


def test_extend_answers_early_stops_with_wait(tmp_path):
    import json

    backend = Thinker(think_words=3)
    outcome = _run(tmp_path, "extend", {"budget": "100", "max_waits": "2"}, backend)
    first = backend.asked[0]
    assert first.settings.stop[-1] == "</think>" and first.settings.max_tokens == 100
    prefills = [r.assistant_prefill for r in backend.asked[::2]]  # sample 0's rounds (two samples per round)
    assert prefills == ["", "hmm hmm hmm Wait", "hmm hmm hmm Wait hmm hmm hmm Wait",
                        "hmm hmm hmm Wait hmm hmm hmm Wait hmm hmm hmm </think>\n<answer> "]
    assert [r.settings.max_tokens for r in backend.asked[::2]] == [100, 97, 94, 64]  # the budget shrinks as it thinks
    line = json.loads((outcome.run_dir / "samples.jsonl").read_text().splitlines()[0])
    assert line["scores"]["waits"] == 2.0 and line["scores"]["thinking_tokens"] == 9.0 and line["scores"]["accuracy"] == 1.0
    # the strategy's own words are marked, so the detector and thought switches skip them
    response, spans = line["responses"][0], line["strategy_info"]["inserted"]
    assert [response[a:b] for a, b in spans] == ["Wait", "Wait", "</think>\n<answer> "]
    assert thought_switches(response) == 1 and thought_switches(model_written(response, spans)) == 0  # one sentence
    assert model_written(response, spans).split() == response.replace("Wait", "").replace("</think>\n<answer>", "").split()
    assert model_written(response, [["x", 1], [5], None]) == response and len(model_written(response, [[-3, 10**6]])) == len(response)
    # the budget runs out before the waits do: thinking stops there, as forced
    short = Thinker(think_words=3)
    capped = _run(tmp_path, "extend", {"budget": "5", "max_waits": "4"}, short, out="capped")
    assert capped.rows[0]["metrics"]["forced"].value == 1.0 and capped.rows[0]["metrics"]["waits"].value == 1.0


def test_strategies_are_cached_and_resume(tmp_path):
    first = Thinker(think_words=3)
    _run(tmp_path, "extend", {"budget": "50"}, first)
    again = Thinker(think_words=3)
    outcome = _run(tmp_path, "extend", {"budget": "50"}, again)
    assert again.asked == [] and outcome.backend_calls == 0


def test_a_backend_that_cannot_continue_a_turn_is_refused_in_one_line(tmp_path):
    with pytest.raises(HarnessError, match=r"strategy 'forced' needs continuing a partial assistant turn .*chat APIs cannot"):
        run(RunSpec(tasks=["countdown-3"], model="openai:chat", limit=1, results_dir=str(tmp_path), progress=False,
                    strategy="forced"), backend_factory=lambda m, o: FakeCountdownBackend())


def test_the_delimiter_is_per_model_and_configurable():
    assert end_of_thinking("hf:Qwen/Qwen3-8B") == "</think>"
    assert end_of_thinking("vllm:simplescaling/s1.1-32B") == "<|im_start|>answer"
    assert end_of_thinking("local") == "</think>" and end_of_thinking("local", "<|end_think|>") == "<|end_think|>"
    assert all(key == key.lower() for key, _ in END_OF_THINKING)
    from harness.core.registry import get_task

    assert answer_cue(get_task("countdown").family) == "\n<answer> "
    assert answer_cue(get_task("counterbench").family) == "\nFinal Answer: "  # s1's cue where a family has none
    with pytest.raises(HarnessError, match="budget and answer_tokens must be >= 1"):
        make_strategy_options(get_strategy("forced"), {"budget": "0"})
    with pytest.raises(HarnessError, match="max_waits"):
        make_strategy_options(get_strategy("extend"), {"max_waits": "-1"})
