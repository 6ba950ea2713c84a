"""Several --base-url endpoints: least-outstanding routing, draining a failing replica, and a run
that loses no sample when one of two real (fake-model) servers on 127.0.0.1 dies mid-run."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from harness.backends import BackendOptions, make_backend
from harness.backends.openai.endpoints import EndpointPool, HealthPolicy, split_base_urls
from harness.cli import build_parser
from harness.cli.options import backend_options
from harness.core.errors import HarnessError
from harness.core.types import GenerationSettings, Request
from tests.fake_openai_server import FakeOpenAIServer, default_answer


def chat_requests(count: int) -> list[Request]:
    return [Request(kind="generate", messages=({"role": "user", "content": f"replica question {i}"},),
                    settings=GenerationSettings(max_tokens=8)) for i in range(count)]


def replica_backend(urls: list[str], **extra):
    options = BackendOptions(base_url=",".join(urls), timeout_s=extra.pop("timeout_s", 5.0),
                             concurrency=extra.pop("concurrency", 16), max_retries=extra.pop("max_retries", 6),
                             extra={"retry_base_delay_s": 0.01, "retry_max_delay_s": 0.05, **extra})
    return make_backend("openai:fake-model", options)


# ---- parsing -------------------------------------------------------------------------------------
def test_base_urls_are_split_deduplicated_and_checked():
    assert split_base_urls(None) == []
    assert split_base_urls("http://127.0.0.1:8000/v1/") == ["http://127.0.0.1:8000/v1"]
    assert split_base_urls("http://a:1/v1, http://b:2/v1,http://a:1/v1") == ["http://a:1/v1", "http://b:2/v1"]
    with pytest.raises(HarnessError, match="not a URL"):
        split_base_urls("http://a:1/v1,127.0.0.1:8001")


def test_repeated_base_url_flags_reach_the_backend_options():
    args = build_parser().parse_args(["run", "countdown", "--model", "openai:m",
                                      "--base-url", "http://127.0.0.1:8000/v1", "--base-url", "http://127.0.0.1:8001/v1"])
    assert backend_options(args).base_url == "http://127.0.0.1:8000/v1,http://127.0.0.1:8001/v1"


# ---- routing and health, with a fake clock --------------------------------------------------------
class _Client:
    def __init__(self, fail: bool = False, delay: float = 0.0):
        self.fail, self.delay, self.calls = fail, delay, 0

    async def post(self, path, **kwargs):
        self.calls += 1
        await asyncio.sleep(self.delay)
        if self.fail:
            raise ConnectionRefusedError("refused")
        return "ok"

    async def close(self):
        pass


def test_the_least_busy_endpoint_gets_the_next_call():
    clients = {"http://a/v1": _Client(), "http://b/v1": _Client()}
    pool = EndpointPool.from_urls(list(clients), clients.__getitem__)
    pool.endpoints[0].outstanding = 3
    assert pool.pick().url == "http://b/v1"
    pool.endpoints[1].outstanding = 5
    assert pool.pick().url == "http://a/v1"


def test_an_endpoint_failing_repeatedly_is_drained_then_probed_once_after_its_cooldown():
    now = [100.0]
    clients = {"http://dead/v1": _Client(fail=True), "http://live/v1": _Client()}
    pool = EndpointPool([], HealthPolicy(max_failures=3, cooldown_s=10.0), clock=lambda: now[0])
    pool.endpoints = EndpointPool.from_urls(list(clients), clients.__getitem__).endpoints

    async def calls(count):
        outcomes = []
        for _ in range(count):
            try:
                outcomes.append(await pool.post("/completions"))
            except ConnectionError:
                outcomes.append("failed")
        return outcomes

    outcomes = asyncio.run(calls(20))
    assert outcomes.count("failed") == 3  # three in a row, then no more calls go there
    assert clients["http://dead/v1"].calls == 3 and clients["http://live/v1"].calls == 17
    now[0] += 11.0  # cooldown over: one probe, which fails and drains it for twice as long
    asyncio.run(calls(4))
    assert clients["http://dead/v1"].calls == 4
    assert pool.endpoints[0].drained_until == pytest.approx(now[0] + 20.0)


def test_when_every_endpoint_is_drained_calls_fail_at_once_as_connection_errors():
    from harness.backends.openai.transport import APIConnectionError, is_connection_error

    clients = {"http://a/v1": _Client(fail=True), "http://b/v1": _Client(fail=True)}
    pool = EndpointPool.from_urls(list(clients), clients.__getitem__, HealthPolicy(max_failures=1))

    async def three():
        for _ in range(2):
            with pytest.raises(ConnectionError):
                await pool.post("/completions")
        with pytest.raises(APIConnectionError, match="drained") as drained:
            await pool.post("/completions")
        assert is_connection_error(drained.value)  # the backend retries it as a network failure

    asyncio.run(three())
    assert sum(client.calls for client in clients.values()) == 2


# ---- two real servers, one of which dies mid-run ----------------------------------------------------
def test_requests_spread_over_two_servers_and_none_is_lost_when_one_dies_mid_run():
    requests = chat_requests(240)
    with FakeOpenAIServer(latency_s=0.01) as first, FakeOpenAIServer(latency_s=0.01) as second:
        killer_done = threading.Event()

        def kill_second_after_some_answers() -> None:
            deadline = time.monotonic() + 30
            while sum(second.stats.answered.values()) < 40 and time.monotonic() < deadline:
                time.sleep(0.005)
            second.stop()  # in-flight requests are cut off; new connections are refused
            killer_done.set()

        killer = threading.Thread(target=kill_second_after_some_answers, daemon=True)
        killer.start()
        backend = replica_backend([first.base_url, second.base_url], max_retries=3)
        try:
            results = dict(backend.generate(requests))
            health = backend.describe()["endpoints"]  # what the run manifest records
        finally:
            backend.close()
        killer.join(timeout=30)
    assert killer_done.is_set()
    assert sorted(results) == list(range(len(requests)))
    assert [g.error for g in results.values()] == [None] * len(requests)  # 0 samples lost
    for index, generation in results.items():
        assert generation.texts == [default_answer(f"replica question {index}", 0)]
        assert generation.finish_reasons == ["stop"]
    answered_first, answered_second = sum(first.stats.answered.values()), sum(second.stats.answered.values())
    assert answered_second >= 40 and answered_first >= 100  # both served; the survivor took the rest
    assert health[second.base_url]["times_drained"] >= 1 and health[second.base_url]["failures"] >= 3
    assert health[first.base_url]["failures"] == 0


def test_a_run_with_every_endpoint_down_ends_with_error_records_not_a_hang():
    urls = ["http://127.0.0.1:9/v1", "http://127.0.0.1:1/v1"]  # nothing listens on these ports
    backend = replica_backend(urls, max_retries=2, timeout_s=2.0)
    started = time.monotonic()
    try:
        results = dict(backend.generate(chat_requests(10)))
    finally:
        backend.close()
    assert time.monotonic() - started < 30
    assert len(results) == 10 and all(g.error and g.finish_reasons == ["error"] for g in results.values())
