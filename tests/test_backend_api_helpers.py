"""Pure helpers of the API backends: retry policy, rate limiting, response parsing, redaction."""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from harness.backends.openai.parsing import (
    Choice,
    MalformedResponse,
    parse_chat_choices,
    parse_completion_choices,
    parse_echo_loglikelihood,
    parse_usage,
    split_think_tags,
    split_token_count,
)
from harness.backends.openai.ratelimit import RateLimiter, TokenBucket
from harness.backends.openai.retry import RetryPolicy, is_retryable_status, parse_retry_after
from harness.core.redaction import redact, scrub_result


def test_backoff_grows_with_full_jitter_and_respects_retry_after():
    policy = RetryPolicy(base_delay_s=0.5, max_delay_s=8.0)
    rng = random.Random("test")
    for attempt in range(8):
        cap = min(8.0, 0.5 * 2**attempt)
        delays = [policy.delay(attempt, None, rng) for _ in range(50)]
        assert all(0 <= d <= cap for d in delays) and max(delays) > cap / 2
    assert policy.delay(0, 3.0, rng) >= 3.0
    assert policy.delay(0, 10_000.0, rng) == policy.max_retry_after_s


def test_retryable_statuses():
    assert all(is_retryable_status(s) for s in (429, 500, 502, 503, 504, 408))
    assert not any(is_retryable_status(s) for s in (None, 200, 400, 401, 403, 404, 422))


@pytest.mark.parametrize("headers, expected", [
    ({"Retry-After": "2"}, 2.0),
    ({"retry-after": "0.25"}, 0.25),
    ({"retry-after-ms": "1500"}, 1.5),
    ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # a date in the past
    ({"Retry-After": "soon"}, None),
    ({"Retry-After": "-3"}, None),
    ({"Retry-After": "nan"}, None),
    ({}, None),
    (None, None),
])
def test_parse_retry_after(headers, expected):
    assert parse_retry_after(headers) == expected


def test_token_bucket_enforces_the_average_rate():
    async def spend() -> float:
        bucket = TokenBucket(rate_per_minute=1200, burst_s=0.05)  # 20/s, burst of 1
        started = time.monotonic()
        for _ in range(6):
            await bucket.take(1)
        return time.monotonic() - started

    assert asyncio.run(spend()) >= 0.2  # 5 waits of 1/20 s after the first


def test_token_bucket_lets_oversized_calls_through_and_settles():
    async def spend() -> float:
        bucket = TokenBucket(rate_per_minute=6000, burst_s=0.1)  # capacity 10 tokens
        await bucket.take(50)  # bigger than the bucket: allowed when full, leaves a debt
        assert bucket.level < 0
        bucket.settle(estimated=50, actual=5)  # the call used far less: the debt is refunded
        return bucket.level

    assert asyncio.run(spend()) > 0
    assert not RateLimiter().active and RateLimiter(rpm=10).active


def test_think_tags_are_split_off():
    assert split_think_tags("<think>a b</think>\n42") == ("42", "a b")
    assert split_think_tags("reasoning</think> 42") == ("42", "reasoning")
    assert split_think_tags("<think>never closed") == ("", "never closed")
    assert split_think_tags("plain") == ("plain", None)


def test_chat_choices_keep_reasoning_and_finish_reasons():
    data = {"choices": [
        {"index": 1, "message": {"content": None, "reasoning_content": "hmm"}, "finish_reason": "length"},
        {"index": 0, "message": {"content": [{"type": "text", "text": "4"}], "reasoning": "2+2"},
         "finish_reason": "stop"},
    ]}
    assert parse_chat_choices(data) == [Choice("4", "stop", "2+2"), Choice("", "length", "hmm")]
    assert parse_completion_choices({"choices": [{"text": "x", "finish_reason": None}]}) == [Choice("x", "stop")]


@pytest.mark.parametrize("body", [
    None, [], "text", 3, {}, {"choices": []}, {"choices": None}, {"choices": [1]},
    {"choices": [{"message": "hi"}]}, {"choices": [{"message": {"content": 7}}]},
    {"choices": [{"text": {"a": 1}}]},
])
def test_unusable_bodies_are_malformed_never_crashes(body):
    for parse in (parse_chat_choices, parse_completion_choices,
                  lambda d: parse_echo_loglikelihood(d, "p", " c")):
        with pytest.raises(MalformedResponse):
            parse(body)


def test_usage_and_token_split():
    assert parse_usage({"usage": {"prompt_tokens": 5, "completion_tokens": 9}}).total == 14
    assert parse_usage({"usage": {"prompt_tokens": "x"}}).prompt_tokens is None
    assert parse_usage([]).total is None
    choices = [Choice("aaaa", "stop"), Choice("aa", "stop"), Choice("", "stop")]
    counts = split_token_count(10, choices)
    assert sum(counts) == 10 and counts[0] > counts[1] > counts[2] == 0
    assert split_token_count(None, choices) == [0, 0, 0]
    assert split_token_count(7, [Choice("", "stop"), Choice("", "stop")]) in ([4, 3], [3, 4])


def test_echo_loglikelihood_counts_a_token_straddling_the_boundary():
    # prompt "A: " + continuation "Paris": the server tokenised " Paris" as one token
    data = {"choices": [{"logprobs": {
        "tokens": ["A", ":", " Paris", "!"], "token_logprobs": [None, -1.0, -2.0, -3.0],
        "text_offset": [0, 1, 2, 8], "top_logprobs": [None, {":": -1.0}, {" Paris": -2.0}, {"!": -3.0}]}}]}
    result, prompt_tokens = parse_echo_loglikelihood(data, "A: ", "Paris")
    assert result.logprob == -2.0 and result.n_tokens == 1 and result.is_greedy and prompt_tokens == 2


def test_redaction():
    text = "Incorrect API key provided: sk-proj-abcdef123456 for https://user:pw@host/v1 (mine: SECRETVALUE)"
    clean = redact(text, ["SECRETVALUE"])
    assert "abcdef123456" not in clean and "SECRETVALUE" not in clean and "pw@" not in clean
    echoed = ("headers: {'Authorization': 'Bearer plainkey77', 'api-key': 'x9y8z7w6'} at http://KEYONLY@10.0.0.1/v1;"
              " Basic dXNlcjpwYXNzMTIz; token limit 2048, max_tokens=5, basic questions")
    clean = redact(echoed)  # no secret named: the shapes alone
    assert not any(s in clean for s in ("plainkey77", "x9y8z7w6", "KEYONLY", "dXNlcjpwYXNzMTIz")), clean
    assert "token limit 2048, max_tokens=5, basic questions" in clean  # ordinary words survive


def test_model_text_loses_only_the_exact_secret():
    from harness.core.types import Generation

    result = Generation(texts=["the key-value pair; sk-model-written-text; MYSECRET99"], finish_reasons=["Bearer MYSECRET99"],
                        reasoning=["MYSECRET99"], error=None)
    clean = scrub_result(result, ["MYSECRET99"])
    assert clean.texts == ["the key-value pair; sk-model-written-text; ***"] and clean.reasoning == ["***"]
    assert clean.finish_reasons == ["Bearer ***"]
    untouched = Generation(texts=["fine"], finish_reasons=["stop"])
    assert scrub_result(untouched, ["MYSECRET99"]) is untouched
