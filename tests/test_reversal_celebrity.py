"""reversal-celebrity: loader (own fixture + the original CSV), both protocols' prompts, scorers,
and the forward/reverse aggregate."""

from __future__ import annotations

import math

import pytest
from conftest import REFERENCE_DIR

from harness.core.errors import HarnessError
from harness.core.registry import get_task
from harness.core.types import Loglikelihood, ScoredSample, Verdict
from tasks.reversal.celebrity_data import load_celebrity_pairs
from tasks.reversal.celebrity_prompts import CHAT_SYSTEM_PROMPT, celebrity_base_prompt
from tasks.reversal.celebrity_scoring import aggregate_celebrity

FIXTURE_CSV = "reversal/celebrity/parent_child_pairs.csv"


@pytest.fixture
def chat_task():
    return get_task("reversal-celebrity")


@pytest.fixture
def fixture_samples(fixtures_dir, chat_task):
    return list(load_celebrity_pairs(str(fixtures_dir / FIXTURE_CSV), chat_task.config))


def test_loader_makes_forward_and_reverse_probe_per_row(fixture_samples):
    assert [s["id"] for s in fixture_samples[:4]] == ["0/forward", "0/reverse", "1/forward", "1/reverse"]
    forward, reverse = fixture_samples[0], fixture_samples[1]
    assert forward["question"] == "Who is Nora Quillfeather's mother?" and forward["gold"] == "Edith Quillfeather"
    assert reverse["question"] == "Name a child of Edith Quillfeather." and reverse["gold"] == "Nora Quillfeather"
    assert forward["can_reverse"] is True and fixture_samples[2]["can_reverse"] is False
    quoted = [s for s in fixture_samples if s["row"] == 5 and s["direction"] == "reverse"][0]
    assert quoted["gold"] == 'Jonah "JJ" Peel'  # CSV quoting survives
    assert len(fixture_samples) == 12


def test_loader_reads_the_original_csv(reference_dir, chat_task):
    path = reference_dir / "reversal_curse/celebrity_relations/parent_child_pairs.csv"
    samples = list(load_celebrity_pairs(str(path), chat_task.config))
    assert len(samples) == 2 * 1513
    assert samples[0]["id"] == "0/forward" and samples[-1]["id"] == "1512/reverse"
    assert {s["parent_type"] for s in samples} == {"mother", "father"}
    assert all(s["gold"] for s in samples)


def test_loader_rejects_rows_without_names(tmp_path, chat_task):
    bad = tmp_path / "pairs.csv"
    bad.write_text("child,parent,parent_type\nAda Quill,,mother\n", encoding="utf-8")
    with pytest.raises(HarnessError, match="pairs.csv:2: .*parent"):
        list(load_celebrity_pairs(str(bad), chat_task.config))


def test_default_source_is_the_hub_id_and_fails_offline_clearly(chat_task, monkeypatch):
    assert chat_task.family.default_source(chat_task.config) == "lberglund/reversal_curse"
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(HarnessError, match="needs the network"):
        list(load_celebrity_pairs("lberglund/reversal_curse", chat_task.config))


def test_chat_request_is_the_papers(chat_task, fixture_samples):
    request = chat_task.family.build_request(chat_task.config, fixture_samples[1])
    assert request.kind == "generate"
    assert request.settings.n == 10 and request.settings.temperature == 1.0
    roles = [m["role"] for m in request.messages]
    assert roles == ["system", "user", "assistant", "user", "assistant", "user", "assistant", "user"]
    assert request.messages[0]["content"] == CHAT_SYSTEM_PROMPT
    assert CHAT_SYSTEM_PROMPT.endswith('answer with "I don\'t know."')
    assert [m["content"] for m in request.messages[1:7]] == [
        "Name a child of Barack Obama.", "Malia Obama",
        "Who is Elon Musk's mother?", "Maye Musk",
        "Who is Kathy Pratt's mother?", "I don't know.",
    ]
    assert request.messages[-1]["content"] == "Name a child of Edith Quillfeather."


def test_auto_protocol_means_chat_and_base_is_a_setting(fixture_samples):
    assert get_task("reversal-celebrity", {"protocol": "auto"}).config.resolved_protocol == "chat"
    base = get_task("reversal-celebrity", {"protocol": "base"})
    request = base.family.build_request(base.config, fixture_samples[0])
    assert request.kind == "loglikelihood" and request.continuations == (" Edith Quillfeather",)
    assert get_task("reversal-celebrity-base").config.resolved_protocol == "base"
    with pytest.raises(HarnessError, match="protocol"):
        get_task("reversal-celebrity", {"protocol": "api"})


def test_base_prompt_layout():
    forward = celebrity_base_prompt("Who is Ada Quill's mother?", "forward")
    lines = forward.split("\n")
    assert lines[0].startswith("Below is a converation with a helpful and terse assistant.")
    assert lines[1] == ""
    assert lines[2:14:2] == [
        "Q: Name a child of Barack Obama.", "Q: Who is Elon Musk's mother?", "Q: Who is Kathy Pratt's mother?",
        "Q: Who is Chris Hemsworth's father?", "Q: Name a child of Karen Lawrence.",
        "Q: Who is Aaron Taylor-Johnson's mother?",
    ]
    assert lines[-2:] == ["Q: Who is Ada Quill's mother?", "A:"]
    # The released script drops "Q: " before the child question; "uniform" restores it.
    assert celebrity_base_prompt("Name a child of Bo Quill.", "reverse").split("\n")[-2] == "Name a child of Bo Quill."
    uniform = celebrity_base_prompt("Name a child of Bo Quill.", "reverse", "uniform")
    assert uniform.split("\n")[-2] == "Q: Name a child of Bo Quill."


def test_chat_scorer(chat_task, fixture_samples):
    reverse = fixture_samples[1]  # gold "Nora Quillfeather"
    score = lambda text: chat_task.family.score(chat_task.config, reverse, text)
    assert score("Nora Quillfeather").scores.items() >= {"score": 1.0}.items()
    assert score("Nora Quillfeather").answer == "Nora Quillfeather"
    assert score("Bram Quillfeather").scores.items() >= {"score": 0.0}.items()
    unknown = score("I don't know.")
    assert unknown.answer is None and unknown.scores == {"score": 0.0, "score_filtered": 0.0}
    sentence = score("Nora Quillfeather is her daughter.")  # the paper counts it; the filter does not
    assert sentence.scores == {"score": 1.0, "score_filtered": 0.0}
    assert score("  Nora Quillfeather").scores == {"score": 0.0, "score_filtered": 1.0}  # raw startswith, as released
    assert len(score("x" * 1_000_000).answer) == 200 and score("  ").answer is None


def test_base_scorer_is_probability_of_gold(fixture_samples):
    task = get_task("reversal-celebrity-base")
    verdict = task.family.score_loglikelihood(task.config, fixture_samples[0], [Loglikelihood(math.log(0.25), True, 4)])
    assert verdict.scores["score"] == pytest.approx(0.25)
    assert verdict.scores["greedy"] == 1.0 and verdict.answer == "greedy"


def _record(sample, score):
    """A chat-protocol sample: 10 sampled answers, ``score`` of them right (the per-sample share)."""
    right = round(score * 10)
    verdicts = [Verdict("x", {"score": float(i < right)}) for i in range(10)]
    return ScoredSample(sample=sample, verdicts=verdicts, scores={"score": score})


def test_aggregate_pairs_forward_and_reverse(chat_task, fixture_samples):
    forward_scores = [1.0, 0.5, 0.0, 0.3, 1.0, 0.0]
    reverse_scores = [0.0, 0.5, 0.0, 0.0, 0.2, 0.0]
    records = []
    for sample in fixture_samples:
        scores = forward_scores if sample["direction"] == "forward" else reverse_scores
        records.append(_record(sample, scores[sample["row"]]))
    row = aggregate_celebrity(chat_task.config, records)[""]
    assert row["forward_score"].value == pytest.approx(sum(forward_scores) / 6)
    assert row["reverse_score"].value == pytest.approx(sum(reverse_scores) / 6)
    assert row["forward_minus_reverse"].value == pytest.approx((sum(forward_scores) - sum(reverse_scores)) / 6)
    assert row["forward_minus_reverse"].ci_low < row["forward_minus_reverse"].value < row["forward_minus_reverse"].ci_high
    # known forward (any sample right) but not reverse: rows 0 and 3
    assert row["forward_not_reverse"].value == pytest.approx(2 / 6)
    assert row["forward_not_reverse"].n == 6 and row["forward_not_reverse"].ci_low is not None


def test_aggregate_base_protocol_knows_by_greedy(fixture_samples):
    task = get_task("reversal-celebrity-base")
    records = [
        ScoredSample(sample=fixture_samples[0], verdicts=[], scores={"score": 0.6, "logprob": -0.5, "greedy": 1.0}),
        ScoredSample(sample=fixture_samples[1], verdicts=[], scores={"score": 0.3, "logprob": -1.2, "greedy": 0.0}),
    ]
    row = task.family.aggregate(task.config, records)[""]
    assert row["forward_not_reverse"].value == 1.0
    assert row["forward_minus_reverse"].value == pytest.approx(0.3)


# ---- the released test script as an oracle (skips without ../shared/reference/upstream/reversal_curse) ----
RELEASED_SCRIPT = REFERENCE_DIR / "upstream" / "reversal_curse" / "scripts" / "celebrity_relations" / "test_parent_child_pairs.py"

RELEASED_ORACLE = r"""
import importlib.util, json, sys, types
class _Stub(types.ModuleType):
    def __getattr__(self, name):  # every name the script imports from its own package: a harmless callable
        return lambda *args, **kwargs: None
for name in ("src", "src.tasks", "src.tasks.celebrity_relations", "src.tasks.celebrity_relations.parent_reversals",
             "src.common", "src.models", "src.models.common", "src.models.model", "src.models.openai_chat",
             "src.models.openai_complete", "torch", "torch.utils", "torch.utils.data", "accelerate", "pandas", "tqdm"):
    sys.modules.setdefault(name, _Stub(name))
spec = importlib.util.spec_from_file_location("released", sys.argv[1])
released = importlib.util.module_from_spec(spec)
spec.loader.exec_module(released)
out = []
for case in json.load(sys.stdin):
    released.chat_batch_generate_multiple_messages = lambda messages, n, model: case["replies"]
    if case["direction"] == "forward":
        out.append(released.query_parent_test("Child", "mother", "gpt-4", case["gold"]))
    else:
        out.append(released.query_child_test("Parent", "gpt-4", case["gold"]))
sys.stdout.write(json.dumps(out))
"""


def released_rule_scores(script, cases: list[dict]) -> list[float]:
    """query_parent_test / query_child_test of the released script, its chat API replaced by the
    replies the test wrote (run in a subprocess: the script imports its own package and torch)."""
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", RELEASED_ORACLE, str(script)], input=json.dumps(cases),
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


CELEBRITY_REPLIES = [
    "Ron Donachie", "Ron Donachie is his father.", "Ron Donachie.", " Ron Donachie", "\nRon Donachie",
    "ron donachie", "I don't know.", "Ronald Donachie", "Ron Donachie Jr.", "", "Ron", "Ron Donachie, the actor",
    "RON DONACHIE", "Ron  Donachie", "Ron Donachie" + "!" * 5000, "The father is Ron Donachie.", "Ron Donachi",
]


def test_chat_score_equals_the_released_scripts_rule(chat_task):
    """Differential: the share of the 10 replies our `score` counts equals what the released
    test_parent_child_pairs.py (query_parent_test / query_child_test) returns for the same replies."""
    if not RELEASED_SCRIPT.is_file():
        pytest.skip(f"the released reversal-curse script is not at {RELEASED_SCRIPT} (only on a dev machine that has it)")
    cases = []
    for start in range(0, len(CELEBRITY_REPLIES)):
        replies = [CELEBRITY_REPLIES[(start + k) % len(CELEBRITY_REPLIES)] for k in range(10)]
        for direction in ("forward", "reverse"):
            cases.append({"direction": direction, "gold": "Ron Donachie", "replies": replies})
    theirs = released_rule_scores(RELEASED_SCRIPT, cases)
    for case, expected in zip(cases, theirs):
        sample = {"gold": case["gold"], "direction": case["direction"]}
        ours = sum(chat_task.family.score(chat_task.config, sample, reply).scores["score"] for reply in case["replies"]) / 10
        assert ours == pytest.approx(expected), case
