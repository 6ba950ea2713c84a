"""The selectors (harness/strategies/selection.py, likelihood.py, fobar.py) on a scripted backend:
each one's arithmetic pinned on problems whose draws, backward chains and likelihoods the test
writes: ties, the unparseable candidate, the single-candidate skip, alpha, and token accounting."""

from __future__ import annotations

import dataclasses
import math

import pytest

import harness
from harness.core.errors import HarnessError, MissingCapability
from harness.strategies.fobar import EPS, fobar_combine
from harness.strategies.registry import get_strategy, make_strategy_options
from tests.verify_backend import (
    COMPLETION_TOKENS,
    LOGLIK_CONTEXT_TOKENS,
    LOGLIK_CONTINUATION_TOKENS,
    PROMPT_TOKENS,
    ChatOnlyMath,
    Problem,
    ScriptedMath,
)

GENERATION = PROMPT_TOKENS + COMPLETION_TOKENS
LIKELIHOOD = LOGLIK_CONTEXT_TOKENS + LOGLIK_CONTINUATION_TOKENS


@pytest.fixture(scope="module")
def task():
    return harness.get_task("arith-word")


@pytest.fixture(scope="module")
def samples(task):
    return harness.load_samples(task, seed=0, limit=3)


def problems(samples):
    """A: a 2-2 tie the vote breaks the wrong way and the backward check the right way; B: one
    candidate (nothing to check); C: two unparseable draws and two single votes."""
    a, b, c = samples
    return [
        Problem(a, ["34", "35", "34", "35"], recovers={"35": "all"}, forward_lp={"34": -0.5, "35": -1.0},
                reverse_lp={"34": -20.0, "35": -10.0}),
        Problem(b, ["500"] * 4, forward_lp={"500": -0.1}, reverse_lp={"500": -5.0}),
        Problem(c, ["", "", "29", "31"], recovers={"31": {0}}, forward_lp={"29": -2.0, "31": -2.0, "": -0.1},
                reverse_lp={"29": -3.0, "31": -4.0}),
    ]


def select(task, samples, backend, name, tmp_path, **options):
    strategy = get_strategy(name)
    chosen = make_strategy_options(strategy, {"chains": 2, **options} if name == "fobar" else options)
    requests = [task.family.build_request(task.config, s) for s in samples]
    with harness.open_session("local", cache=tmp_path / f"{name}.sqlite", progress=False,
                              backend_factory=lambda m, o: backend) as session:
        with session.requiring(strategy.needs, name):
            return harness.run_strategy(session, task, samples, requests, strategy, chosen, seed=0)


def test_majority_breaks_ties_towards_the_answer_drawn_first_and_skips_unparseable(task, samples, tmp_path):
    a, b, c = select(task, samples, ScriptedMath(task, problems(samples)), "majority", tmp_path)
    assert a.outcome.info["choice"] == 0 and a.outcome.info["answers"] == ["34", "35", "34", "35"]  # 2-2: 34 came first
    assert a.outcome.scores == {"candidates": 2.0, "vote_share": 0.5}
    assert b.outcome.info["choice"] == 0 and b.outcome.scores["vote_share"] == 1.0
    assert c.outcome.info["choice"] == 2 and c.outcome.info["votes"] == {'"29"': 1, '"31"': 1}  # unparseable draws do not vote
    assert c.outcome.scores["candidates"] == 3.0  # 29, 31 and the unparseable answer
    assert [r.prompt_tokens + r.completion_tokens for r in (a, b, c)] == [4 * GENERATION] * 3


def test_majority_of_all_unparseable_draws_is_the_first_draw(task, samples, tmp_path):
    script = [Problem(samples[0], ["", "", ""])]
    [record] = select(task, samples[:1], ScriptedMath(task, script), "majority", tmp_path, n="3")
    assert record.outcome.info["choice"] == 0 and record.outcome.scores["candidates"] == 1.0


def test_oracle_takes_the_first_draw_the_verifier_accepts(task, samples, tmp_path):
    a, b, c = select(task, samples, ScriptedMath(task, problems(samples)), "oracle", tmp_path)
    assert (a.outcome.info["choice"], b.outcome.info["choice"], c.outcome.info["choice"]) == (1, 0, 0)  # C: none right


def test_forward_lp_ranks_by_mean_token_logprob_and_scores_each_distinct_text_once(task, samples, tmp_path):
    backend = ScriptedMath(task, problems(samples))
    a, b, c = select(task, samples, backend, "forward-lp", tmp_path)
    assert a.outcome.info["choice"] == 0 and a.outcome.info["mean_logprobs"] == [-0.5, -1.0, -0.5, -1.0]  # tie: first
    assert c.outcome.info["choice"] == 0  # the unparseable draw is likeliest: forward-lp does not look at answers
    likelihoods = [r for r in backend.asked if r.kind == "loglikelihood"]
    assert len(likelihoods) == 12 and all(r.messages == r2.messages for r, r2 in zip(likelihoods, likelihoods))
    assert likelihoods[0].messages is not None and likelihoods[0].prompt.endswith("\nA:")  # chat form and plain form
    assert a.prompt_tokens + a.completion_tokens == 4 * GENERATION + 4 * LIKELIHOOD  # continuations count as read


def test_trlm_scores_the_question_given_each_draw(task, samples, tmp_path):
    backend = ScriptedMath(task, problems(samples))
    a, b, c = select(task, samples, backend, "trlm", tmp_path)
    assert a.outcome.info["choice"] == 1 and a.outcome.info["reverse_logprobs"] == [-20.0, -10.0, -20.0, -10.0]
    assert c.outcome.info["choice"] == 2
    reverse = [r for r in backend.asked if r.kind == "loglikelihood"]
    assert {r.continuations[0] for r in reverse} == {s["question"] for s in samples}  # the question alone, no exemplars
    assert all("The question this answers was:" in r.prompt and r.messages[0]["role"] == "user" for r in reverse)


def test_fobar_checks_candidates_backwards_and_combines_with_alpha(task, samples, tmp_path):
    backend = ScriptedMath(task, problems(samples))
    a, b, c = select(task, samples, backend, "fobar", tmp_path)
    # A: 2 candidates x 3 masks x 2 chains; only 35's chains recover
    assert a.outcome.info["recovered"] == {'"34"': 0, '"35"': 6} and a.outcome.scores["backward_chains"] == 12.0
    assert a.outcome.info["choice"] == 1 and a.outcome.info["forward_choice"] == 0 and a.outcome.info["backward_choice"] == 1
    assert a.outcome.scores["backward_recovered"] == 0.5
    assert a.outcome.info["combined"]['"35"'] == pytest.approx(math.sqrt(0.5 * (6 + EPS / 2) / (6 + EPS)))
    assert a.prompt_tokens + a.completion_tokens == 4 * GENERATION + 12 * GENERATION
    # B: one candidate: nothing asked backwards, the forward vote stands
    assert b.outcome.scores == {"candidates": 1.0, "backward_chains": 0.0} and b.outcome.info["backward"] is None
    assert not any("unknown variable x" in r.prompt and "muffins" in r.prompt for r in backend.asked)
    assert b.prompt_tokens + b.completion_tokens == 4 * GENERATION
    # C: the unparseable answer is a candidate too (the authors' empty answer), asked with an empty answer
    assert list(c.outcome.info["recovered"]) == ["null", '"29"', '"31"'] and c.outcome.info["recovered"]['"31"'] == 2
    assert c.outcome.info["choice"] == 3 and c.outcome.scores["backward_chains"] == 18.0
    assert any("question is , what is the value" in r.prompt for r in backend.asked)


@pytest.mark.parametrize(("alpha", "winner"), [("1", 0), ("0.6", 0), ("0.5", 0), ("0.4", 3), ("0", 3)])
def test_fobar_alpha_weighs_the_forward_vote_against_the_backward_check(task, samples, tmp_path, alpha, winner):
    """Forward 3:1 for 7, backward 1:3 for 9 (7 recovers on one mask of three, 9 on all): at
    alpha 0.5 the two would tie but for the authors' eps, which favours the forward winner."""
    script = [Problem(samples[0], ["7", "7", "7", "9"], recovers={"7": {0}, "9": "all"})]
    [record] = select(task, samples[:1], ScriptedMath(task, script), "fobar", tmp_path, alpha=alpha)
    assert record.outcome.info["choice"] == winner
    expected = fobar_combine({'"7"': 3, '"9"': 1}, {'"7"': 2, '"9"': 6}, float(alpha))
    assert record.outcome.info["combined"] == expected.combined


def test_fobar_combine_by_hand():
    plain = fobar_combine({"a": 2, "b": 2}, None, 0.5)
    assert (plain.key, plain.backward) == ("a", None)  # a forward tie: the answer seen first
    nothing_recovered = fobar_combine({"a": 1, "b": 3}, {"a": 0, "b": 0}, 0.5)
    assert nothing_recovered.backward == {"a": 0.5, "b": 0.5} and nothing_recovered.key == "b"
    unchecked = fobar_combine({"a": 1, "b": 1, "c": 2}, {"a": 4, "b": 0}, 0.5)  # c had no chains: eps
    assert unchecked.combined["c"] == pytest.approx(math.sqrt(0.5 * EPS)) and unchecked.key == "a"


def test_fobar_refuses_a_family_without_masking_and_says_why(tmp_path):
    countdown = harness.get_task("countdown-3")
    sample = harness.load_samples(countdown, seed=0, limit=1)
    with pytest.raises(HarnessError, match="family 'countdown' declares no masking"):
        select(countdown, sample, ScriptedMath(countdown, []), "fobar", tmp_path)


def test_a_chat_only_backend_cannot_run_the_likelihood_selectors(task, samples, tmp_path):
    backend = ChatOnlyMath(task, problems(samples))
    with pytest.raises(MissingCapability, match="needs log-likelihoods"):
        select(task, samples, backend, "trlm", tmp_path)
    assert select(task, samples, ChatOnlyMath(task, problems(samples)), "fobar", tmp_path)[0].outcome.info["choice"] == 1


def test_draws_are_shared_across_selectors_and_n(task, samples, tmp_path):
    """Every selector sees the same draws, and N=2 sees the first two draws of N=4."""
    backend = ScriptedMath(task, problems(samples))
    strategy = get_strategy("majority")
    requests = [task.family.build_request(task.config, s) for s in samples]
    with harness.open_session("local", cache=tmp_path / "c.sqlite", progress=False, backend_factory=lambda m, o: backend) as session:
        four = harness.run_strategy(session, task, samples, requests, strategy, make_strategy_options(strategy, {"n": "4"}), 0)
        asked = len(backend.asked)
        two = harness.run_strategy(session, task, samples, requests, strategy, make_strategy_options(strategy, {"n": "2"}), 0)
        oracle = get_strategy("oracle")
        harness.run_strategy(session, task, samples, requests, oracle, make_strategy_options(oracle, {}), 0)
    assert len(backend.asked) == asked  # all from the cache
    assert [r.outcome.info["answers"][:2] for r in four] == [r.outcome.info["answers"] for r in two]


def test_selector_options_are_checked():
    with pytest.raises(HarnessError, match="temperature must be in"):
        make_strategy_options(get_strategy("majority"), {"temperature": "0"})
    with pytest.raises(HarnessError, match="alpha must be in"):
        make_strategy_options(get_strategy("fobar"), {"alpha": "1.5"})
    with pytest.raises(HarnessError, match="reverse_prompt must be 'ours' or a file"):
        make_strategy_options(get_strategy("trlm"), {"reverse_prompt": "/no/such/file"})


def test_harness_run_with_a_selector_scores_the_chosen_completion(task, samples, tmp_path):
    """Through `harness run --strategy fobar`: the chosen draw is scored, the selector's numbers
    are declared metrics, the choice is in samples.jsonl."""
    from harness.pipeline.runner import RunSpec, run

    backend = ScriptedMath(task, problems(samples))
    spec = RunSpec(tasks=["arith-word"], model="local", limit=3, results_dir=str(tmp_path), out=str(tmp_path / "run"),
                   progress=False, strategy="fobar", strategy_options={"chains": "2"})
    outcome = run(spec, backend_factory=lambda m, o: backend)
    results = harness.load_run(outcome.run_dir)
    lines = results.samples
    assert [line["strategy_info"]["choice"] for line in lines] == [1, 0, 3]
    assert [line["scores"]["accuracy"] for line in lines] == [1.0, 1.0, 0.0]
    assert results.metric_info["arith-word"]["backward_chains"].higher_is_better is None
    assert dataclasses.asdict(results.value("arith-word", "backward_chains"))["value"] == pytest.approx((12 + 0 + 18) / 3)
    page = (outcome.run_dir / "report.html").read_text()
    assert 'data-family="arith-word"' in page and "accuracy by numbers in the question" in page
