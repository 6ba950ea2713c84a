"""The strategy layer: programs of several cached requests per sample, driven round by round over a
model session. A scripted backend pins the mechanics: batching across samples, traces, token
accounting, resumability from the cache, errors, capability checks and the trivial strategy's
equality with a plain run."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pytest

import harness
from harness.backends.base import Backend
from harness.core.errors import HarnessError
from harness.core.metric_spec import bounded
from harness.core.types import Generation, Loglikelihood, LoglikelihoodResult, Request
from harness.pipeline.runner import RunSpec, run
from harness.strategies.registry import get_strategy, make_strategy_options, register_strategy
from harness.strategies.types import Ask, Strategy, StrategyOutcome
from tasks.countdown.solver import solve_countdown
from tests.fake_backend import FakeCountdownBackend


class SeedSolver(Backend):
    """Answers a Countdown prompt correctly when the request's seed is divisible by 3, else with a
    wrong sum; records the size of every generate call (one call per round)."""

    name = "seed-solver"
    supports_loglikelihood = True

    def __init__(self, reverse: bool = False, fail_seed: int | None = None) -> None:
        self.calls: list[int] = []
        self.asked: list[Request] = []
        self.reverse, self.fail_seed = reverse, fail_seed

    def generate(self, requests: Sequence[Request]) -> Iterator[tuple[int, Generation]]:
        self.calls.append(len(requests))
        order = list(range(len(requests)))[::-1] if self.reverse else list(range(len(requests)))
        for index in order:
            request = requests[index]
            self.asked.append(request)
            if request.settings.seed == self.fail_seed:
                yield index, Generation(texts=[], finish_reasons=["error"], error="HTTP 500 from the scripted server")
                continue
            text = request.messages[-1]["content"] if request.messages else request.prompt
            match = re.search(r"numbers \[([0-9, ]+)\], create an equation that equals ([0-9]+)", text)
            nums = tuple(int(n) for n in match.group(1).split(","))
            target = int(match.group(2))
            answer = solve_countdown(nums, target) if request.settings.seed % 3 == 0 else " + ".join(map(str, nums))
            yield index, Generation(texts=[f"<answer>{answer}</answer>"], finish_reasons=["stop"], prompt_tokens=7,
                                    completion_tokens=[4])

    def loglikelihood(self, requests: Sequence[Request]) -> Iterator[tuple[int, LoglikelihoodResult]]:
        for index, request in enumerate(requests):
            yield index, LoglikelihoodResult([Loglikelihood(-float(len(c)), False, 1) for c in request.continuations],
                                             prompt_tokens=3)


@dataclass(frozen=True)
class RetryOptions:
    attempts: int = 4

    def validate(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"attempts must be >= 1, got {self.attempts}")


def retry_until_verified(ctx, sample):
    """Draw one completion per round, each with its own derived seed, until the family's verifier
    accepts one or the attempts run out; report how many draws it took."""
    text = ""
    for attempt in range(ctx.options.attempts):
        request = dataclasses.replace(ctx.request, settings=dataclasses.replace(ctx.request.settings,
                                                                                seed=ctx.derive_seed("retry", attempt)))
        [result] = yield Ask(request, label=f"attempt {attempt}")
        text = result.texts[0]
        if ctx.score(text).scores["accuracy"] == 1.0:
            return StrategyOutcome(texts=[text], scores={"draws": attempt + 1.0}, info={"verified_on": attempt})
    return StrategyOutcome(texts=[text], scores={"draws": float(ctx.options.attempts)}, info={"verified_on": None})


register_strategy(Strategy(
    name="test-retry", description="test: redraw until the verifier accepts", run=retry_until_verified,
    options=RetryOptions, metrics=(bounded("draws", "completions drawn for the sample", 1.0, None, higher_is_better=False),),
))


def runaway(ctx, sample):
    while True:
        yield ctx.request


register_strategy(Strategy(name="test-runaway", description="test: never returns", run=runaway, max_steps=5))


def loglik_then_generate(ctx, sample):
    [scored] = yield Ask(Request(kind="loglikelihood", prompt="q", continuations=("a", "bb")), label="likelihood")
    [answer] = yield Ask(ctx.request, label="answer")
    return StrategyOutcome(texts=list(answer.texts), scores={})


register_strategy(Strategy(name="test-needs-loglik", description="test: asks a log-likelihood first",
                           run=loglik_then_generate, needs=frozenset({"generate", "loglikelihood"})))


class ChatOnly(SeedSolver):
    supports_loglikelihood = False


def spec(tmp_path, out="run", **changes) -> RunSpec:
    base = RunSpec(tasks=["countdown-3"], model="openai:fake", limit=6, results_dir=str(tmp_path), out=str(tmp_path / out) if out else None,
                   progress=False, strategy="test-retry")
    return dataclasses.replace(base, **changes)


def lines_of(outcome):
    return [json.loads(line) for line in (outcome.run_dir / "samples.jsonl").read_text().splitlines()]


def test_single_strategy_scores_exactly_as_a_plain_run(tmp_path):
    plain = run(spec(tmp_path, strategy=None, out="plain"), backend_factory=lambda m, o: FakeCountdownBackend())
    single = run(spec(tmp_path, strategy="single", out="single"), backend_factory=lambda m, o: FakeCountdownBackend())
    assert single.backend_calls == 0 and single.cache_hits == 6  # the same requests: served from the cache
    assert [r["metrics"] for r in single.rows] == [r["metrics"] for r in plain.rows]
    for a, b in zip(lines_of(plain), lines_of(single)):
        assert (a["scores"], a["answers"], a["responses"], a["id"]) == (b["scores"], b["answers"], b["responses"], b["id"])
        assert b["strategy"] == "single" and [step["label"] for step in b["trace"]] == ["answer"]


def test_rounds_batch_every_pending_sample_and_traces_count_every_request(tmp_path):
    backend = SeedSolver()
    outcome = run(spec(tmp_path), backend_factory=lambda m, o: backend)
    lines = lines_of(outcome)
    draws = [line["scores"]["draws"] for line in lines]
    # one backend call per round, holding exactly the samples still drawing
    assert backend.calls == [sum(d > r for d in draws) for r in range(int(max(draws)))]
    for line in lines:
        trace = line["trace"]
        assert len(trace) == line["scores"]["draws"] and [s["label"] for s in trace] == [f"attempt {i}" for i in range(len(trace))]
        assert line["prompt_tokens"] == 7 * len(trace) and line["completion_tokens"] == 4 * len(trace)
        assert line["responses"] == [trace[-1]["texts"][0]]
        verified = line["strategy_info"]["verified_on"]
        assert (verified is not None) == (line["scores"]["accuracy"] == 1.0)
    manifest = json.loads((outcome.run_dir / "manifest.json").read_text())
    assert manifest["tasks"]["countdown-3"]["strategy"] == {"name": "test-retry", "options": {"attempts": 4}}
    info = json.loads((outcome.run_dir / "metrics.json").read_text())["metric_info"]["countdown-3"]
    assert info["draws"]["higher_is_better"] is False and info["accuracy"]["kind"] == "binary"


def test_a_rerun_is_served_from_the_cache_byte_for_byte(tmp_path):
    first = run(spec(tmp_path), backend_factory=lambda m, o: SeedSolver())
    before = {name: (first.run_dir / name).read_bytes() for name in ("samples.jsonl", "metrics.json")}
    again = SeedSolver()
    second = run(spec(tmp_path), backend_factory=lambda m, o: again)
    assert again.calls == [] and second.backend_calls == 0
    assert {name: (second.run_dir / name).read_bytes() for name in before} == before


def test_outcomes_do_not_depend_on_the_order_a_backend_answers_in(tmp_path):
    forward = run(spec(tmp_path, out="a", cache_path=str(tmp_path / "a.sqlite")), backend_factory=lambda m, o: SeedSolver())
    backward = run(spec(tmp_path, out="b", cache_path=str(tmp_path / "b.sqlite")), backend_factory=lambda m, o: SeedSolver(reverse=True))
    assert (forward.run_dir / "samples.jsonl").read_bytes() == (backward.run_dir / "samples.jsonl").read_bytes()


def test_a_failed_request_ends_its_sample_only_and_is_retried_next_time(tmp_path):
    task = harness.get_task("countdown-3")
    first = harness.load_samples(task, seed=0, limit=1)[0]
    first_seed = harness.StrategyContext(task=task, sample=first, request=Request(kind="generate"), options=None,
                                         seed=0).derive_seed("retry", 0)
    failing = run(spec(tmp_path), backend_factory=lambda m, o: SeedSolver(fail_seed=first_seed))
    errors = [line["error"] for line in lines_of(failing)]
    assert errors.count("HTTP 500 from the scripted server") == 1 and errors.count(None) == 5
    healthy = SeedSolver()
    retried = run(spec(tmp_path), backend_factory=lambda m, o: healthy)
    assert [line["error"] for line in lines_of(retried)] == [None] * 6
    assert healthy.calls[0] == 1  # only the failed request is asked again


def test_a_runaway_strategy_ends_in_an_error_not_a_hang(tmp_path):
    outcome = run(spec(tmp_path, strategy="test-runaway"), backend_factory=lambda m, o: SeedSolver())
    assert all("took more than 5 rounds" in line["error"] for line in lines_of(outcome))


def test_a_backend_without_what_the_strategy_needs_is_refused_in_one_line(tmp_path):
    with pytest.raises(HarnessError, match="strategy 'test-needs-loglik' needs log-likelihoods, which --model openai:fake cannot"):
        run(spec(tmp_path, strategy="test-needs-loglik"), backend_factory=lambda m, o: ChatOnly())
    assert not (tmp_path / "run" / "samples.jsonl").exists()
    done = run(spec(tmp_path, strategy="test-needs-loglik"), backend_factory=lambda m, o: SeedSolver())
    assert done.backend_calls == 1 + 6  # the same log-likelihood request of every sample, asked once; 6 answers
    # every answer cached now: a re-run loads no model at all, so a backend that cannot is never asked
    again = run(spec(tmp_path, strategy="test-needs-loglik"), backend_factory=lambda m, o: ChatOnly())
    assert again.backend_calls == 0


def test_unknown_strategies_and_options_are_one_clear_line():
    with pytest.raises(HarnessError, match="unknown strategy 'test-retri'.*did you mean 'test-retry'"):
        get_strategy("test-retri")
    retry = get_strategy("test-retry")
    with pytest.raises(HarnessError, match="has no option 'atempts'.*did you mean 'attempts'"):
        make_strategy_options(retry, {"atempts": "3"})
    with pytest.raises(HarnessError, match="attempts must be >= 1"):
        make_strategy_options(retry, {"attempts": "0"})
    assert make_strategy_options(retry, {"attempts": "2"}) == RetryOptions(2)
    with pytest.raises(HarnessError, match="takes no options"):
        make_strategy_options(get_strategy("single"), {"x": "1"})


def test_strategy_options_reach_the_program_and_the_run_id(tmp_path):
    from harness.pipeline.plan import default_run_id

    two = run(spec(tmp_path, out=None, strategy_options={"attempts": "1"}), backend_factory=lambda m, o: SeedSolver())
    assert all(line["scores"]["draws"] == 1.0 for line in lines_of(two))
    plain = RunSpec(tasks=["countdown-3"], model="openai:fake", limit=6)
    assert default_run_id(plain) != default_run_id(dataclasses.replace(plain, strategy="test-retry"))
    assert default_run_id(dataclasses.replace(plain, strategy="test-retry")) != default_run_id(
        dataclasses.replace(plain, strategy="test-retry", strategy_options={"attempts": "1"}))
