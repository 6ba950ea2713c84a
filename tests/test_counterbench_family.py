"""The CounterBench family as the engine sees it: registry entries, settings, requests, scoring,
aggregation and light imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.core.errors import HarnessError
from harness.core.registry import get_task, task_names
from harness.core.types import ScoredSample, Verdict
from harness.report.metrics import summarize
from tasks.counterbench import FAMILY
from tasks.counterbench.config import CounterBenchConfig
from tasks.counterbench.loader import load_counterbench

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fixture_samples(fixtures_dir):
    return list(load_counterbench(str(fixtures_dir / "counterbench" / "original_format.jsonl"), CounterBenchConfig()))


def test_variants_are_registered():
    names = set(task_names())
    assert {"counterbench", "counterbench-cot", "counterbench-coin", "counterbench-original",
            "counterbench-original-cot", "counterbench-original-coin"} <= names
    assert get_task("counterbench-coin").config.strategy == "coin"
    original = get_task("counterbench-original").config
    assert original.source == "hub" and FAMILY.default_source(original) == "CounterBench/CounterBench"
    assert FAMILY.default_source(get_task("counterbench").config) is None
    assert FAMILY.chance_level(original) == 0.5


def test_settings_are_coerced_and_validated():
    cfg = get_task("counterbench", {"strategy": "cot", "max_variables": "11", "query_types": "basic,joint",
                                    "max_tokens": "300", "temperature": "0.7"}).config
    assert (cfg.strategy, cfg.max_variables, cfg.query_types, cfg.max_tokens, cfg.temperature) == (
        "cot", 11, ("basic", "joint"), 300, 0.7)
    for bad, message in [({"strategy": "cotn"}, "did you mean 'cot'"), ({"source": "web"}, "source"),
                         ({"min_variables": "10"}, "min_variables"), ({"query_types": "basic,what"}, "query_types"),
                         ({"max_variables": "41"}, "max_variables"), ({"strategyy": "cot"}, "did you mean")]:
        with pytest.raises(HarnessError, match=message):
            get_task("counterbench", bad)


@pytest.mark.parametrize("strategy", ["direct", "cot", "coin"])
def test_request_carries_rules_question_and_strategy_defaults(fixture_samples, strategy):
    cfg = get_task("counterbench", {"strategy": strategy}).config
    sample = fixture_samples[4]
    request = FAMILY.build_request(cfg, sample)
    assert request.kind == "generate"
    user = request.messages[-1]["content"]
    assert user.startswith(sample["given_info"] + "\n" + sample["question"])
    assert sample["given_info"] in request.prompt
    assert request.settings.max_tokens == {"direct": 32, "cot": 1024, "coin": 2048}[strategy]
    assert request.settings.temperature == 0.0 and request.settings.n == 1
    custom = FAMILY.build_request(get_task("counterbench", {"strategy": strategy, "max_tokens": "77"}).config, sample)
    assert custom.settings.max_tokens == 77
    json.dumps(request.to_json())


def test_scoring_gold_and_wrong_and_unparseable(fixture_samples):
    cfg = CounterBenchConfig()
    sample = fixture_samples[0]  # gold "no"
    assert FAMILY.score(cfg, sample, "Step by step...\nAnswer: **No**") == Verdict("no", {"accuracy": 1.0})
    assert FAMILY.score(cfg, sample, "Yes.") == Verdict("yes", {"accuracy": 0.0})
    assert FAMILY.score(cfg, sample, "I am not sure") == Verdict(None, {"accuracy": 0.0})
    assert FAMILY.score(cfg, sample, "x" * 1_000_000).answer is None


def _scored(sample, texts):
    verdicts = [FAMILY.score(CounterBenchConfig(), sample, text) for text in texts]
    scores = {"accuracy": sum(v.scores["accuracy"] for v in verdicts) / len(verdicts)}
    return ScoredSample(sample=sample, verdicts=verdicts, scores=scores)


def test_gold_answers_score_one_and_tables_break_down_by_type_and_size(fixture_samples):
    records = [_scored(s, [f"Answer: {s['answer']}"]) for s in fixture_samples]
    assert summarize(records, get_task("counterbench").metric)["accuracy"].value == 1.0
    keys = [FAMILY.group_keys(s) for s in fixture_samples]
    assert {k["type"] for k in keys} == {"basic", "conditional", "joint", "nested"}
    assert {k["variables"] for k in keys} == {"5", "6"}
    extra = FAMILY.aggregate(CounterBenchConfig(), records)
    assert extra[""]["yes_rate"].value == 0.5 and extra[""]["yes_rate"].n == 10


def test_yes_rate_ignores_unparseable_and_averages_completions(fixture_samples):
    records = [_scored(fixture_samples[0], ["yes", "no", "hmm"]), _scored(fixture_samples[1], ["gibberish"])]
    yes_rate = FAMILY.aggregate(CounterBenchConfig(), records)[""]["yes_rate"]
    assert yes_rate.value == 0.5 and yes_rate.n == 1
    assert records[0].unparseable == 1


def test_listing_tasks_imports_nothing_heavy():
    code = (
        "import sys; from harness.core.registry import task_names; task_names();"
        "heavy = [m for m in ('torch', 'transformers', 'datasets', 'openai', 'pandas', 'matplotlib', 'faker', 'gguf')"
        " if m in sys.modules]; print(heavy); assert not heavy"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
