"""`tinyzero_reward` equals TinyZero's `compute_score`: item by item against the upstream code on
~1 000 answers the test writes (skipped without ../shared/reference), and on the project's own
fixtures for every rule (always run)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from conftest import REFERENCE_DIR
from countdown_tinyzero_cases import generate_cases, tolerance_cases

from tasks.countdown.config import CountdownConfig
from tasks.countdown.prompts import BASE_PREFIX, QWEN_PREFIX, build_countdown_request, countdown_question, tinyzero_prefix
from tasks.countdown.scoring import score_countdown_response
from tasks.countdown.tinyzero import MAX_POWER_BITS, tinyzero_last_answer, tinyzero_reward, tinyzero_value

UPSTREAM = REFERENCE_DIR / "upstream" / "tinyzero" / "countdown.py"

ORACLE = r"""
import contextlib, io, json, sys
sys.path.insert(0, sys.argv[1])
from countdown import compute_score
cases = json.load(sys.stdin)
out = []
for case in cases:
    with contextlib.redirect_stdout(io.StringIO()):  # compute_score prints one call in 64
        out.append(compute_score(case["text"], {"target": case["target"], "numbers": case["nums"]}))
sys.stdout.write(json.dumps(out))
"""


def upstream_scores(cases: list[dict]) -> list[float]:
    """TinyZero's compute_score on our own test answers, in a subprocess with a timeout (it evals)."""
    if not UPSTREAM.is_file():
        pytest.skip(f"TinyZero's countdown.py not found at {UPSTREAM} (only present on the dev machine)")
    payload = [{"text": c["text"], "target": c["target"], "nums": c["nums"]} for c in cases]
    done = subprocess.run([sys.executable, "-c", ORACLE, str(UPSTREAM.parent)], input=json.dumps(payload),
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout)


def test_differential_against_upstream_compute_score():
    cases = generate_cases(1000, seed=0) + tolerance_cases()
    theirs = upstream_scores(cases)
    ours = [tinyzero_reward(c["text"], c["target"], c["nums"]) for c in cases]
    mismatches = [(c["text"][-160:], c["nums"], c["target"], t, o) for c, t, o in zip(cases, theirs, ours) if t != o]
    assert not mismatches, f"{len(mismatches)} of {len(cases)} differ, e.g. {mismatches[:3]}"
    assert {0, 0.1, 1} <= set(theirs)  # the cases reach all three outcomes


def test_tinyzero_accuracy_is_upstream_compute_score_equal_to_one():
    """`tinyzero_accuracy` (the papers' verdict) against TinyZero's own code, answer by answer, through
    the family's scorer (its prefix + the response); `accuracy` (the task rule) differs on some."""
    cases = generate_cases(1000, seed=0)
    theirs = upstream_scores(cases)
    verdicts = [score_countdown_response(CountdownConfig(n_numbers=max(2, len(c["nums"])), template=c["template"]),
                                         {"nums": c["nums"], "target": c["target"]}, c["response"]) for c in cases]
    wrong = [(c["response"][-80:], t) for c, t, v in zip(cases, theirs, verdicts)
             if v.scores["tinyzero_accuracy"] != float(t == 1)]
    assert not wrong, f"{len(wrong)} of {len(cases)} differ, e.g. {wrong[:3]}"
    assert sum(v.scores["accuracy"] != float(t == 1) for t, v in zip(theirs, verdicts)) == 73  # tasks/countdown/README.md


def test_cases_cover_the_rules():
    cases = generate_cases(1000, seed=0)
    rewards = [tinyzero_reward(c["text"], c["target"], c["nums"]) for c in cases]
    share = {v: rewards.count(v) / len(rewards) for v in (0.0, 0.1, 1.0)}
    assert all(s > 0.05 for s in share.values()), share
    assert generate_cases(50, seed=3) == generate_cases(50, seed=3)


# ---- the project's own fixtures: the same rules without the reference folder ----------------------
BASE = "User: q\nAssistant: Let me solve this step by step.\n<think>"


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (" ok</think>\n<answer>(1 + 2) * 3</answer>", 1.0),
        (" ok</think>\n<answer>(1 + 2) * 3</answer>\n", 0.0),  # trailing newline: the last line is empty
        (" ok</think>\n<answer>(1 + 2) * 3</answer> done", 1.0),  # text after it on the same line is fine
        (" ok</think>\n<answer>(1 + 2) * 3</answer>\nDone.", 0.0),  # a line after the block
        (" ok</think>\n<answer>(1 + 2)\n* 3</answer>", 0.0),  # a block over two lines
        (" ok</think>\n<answer>1 + 2 + 3</answer> <answer>(1 + 2) * 3</answer>", 1.0),  # the last block
        (" ok</think>\n<answer>(1 + 2) * 3</answer> <answer>1 + 2 + 3</answer>", 0.1),
        (" ok</think>\n<answer><answer>(1 + 2) * 3</answer></answer>", 0.1),  # content "<answer>(1 + 2) * 3"
        (" ok</think>\n<answer>1 <answer>(1 + 2) * 3</answer>", 0.1),  # the lazy match starts at the first tag
        (" ok</think>\n<Answer>(1 + 2) * 3</Answer>", 0.0),  # case-sensitive
        (" ok</think>\n<answer>3 * (2 + 1)</answer>", 1.0),
        (" ok</think>\n<answer>3 * (2 + 1) + 0</answer>", 0.1),  # an extra number
        (" ok</think>\n<answer>9</answer>", 0.1),  # numbers missing
        (" ok</think>\n<answer>(1 + 2) x 3</answer>", 0.1),  # a letter
        (" ok</think>\n<answer>(1 + 2) * 3 = 9</answer>", 0.1),  # "=" fails the character check
        (" ok</think>\n<answer>(1 + 2) ** 2 * 3 / 3</answer>", 0.1),  # numbers 1 2 2 3 3
        (" ok</think>\n<answer>3 ** 2 * 1</answer>", 1.0),  # Python power: TinyZero accepts it, the task rule not
        (" ok</think>\n<answer>(1 + 2)(3)</answer>", 0.1),  # calls an int
        (" ok</think>\n<answer>(1 + 2) * 3.</answer>", 1.0),  # a float literal
        (" ok</think>\n<answer>(1 + 2) * \u0663</answer>", 0.1),  # an Arabic-Indic 3: counted, not parsed
        (" ok</think>\n<answer>(1 + 2) * 3 / (2 - 2)</answer>", 0.1),
        (" ok</think>\n<answer>(1\r+ 2) * 3</answer>", 1.0),  # \r inside brackets is a newline to Python
        (" ok</think>\n<answer>(1 +\xa02) * 3</answer>", 0.1),
        ("<answer>(1 + 2) * 3</answer>", 1.0),  # one line: "<think>" + the response
    ],
)
def test_rules_on_own_fixtures(response, expected):
    assert tinyzero_reward(BASE + response, 9, [1, 2, 3]) == expected


def test_assistant_marker_rules():
    qwen = "<|im_start|>user\n q<|im_end|>\n<|im_start|>assistant\nLet me solve this step by step.\n<think>"
    assert tinyzero_reward(qwen + " x</think>\n<answer>2 * 3</answer>", 6, [2, 3]) == 1.0
    assert tinyzero_reward(" x</think>\n<answer>2 * 3</answer>", 6, [2, 3]) == 0.0  # no marker at all
    # "Assistant:" wins over "<|im_start|>assistant" and may cut the last line
    assert tinyzero_reward(qwen + " x\n<answer>2 * 3</answer> Assistant: done", 6, [2, 3]) == 0.0
    assert tinyzero_reward(qwen + " x\nAssistant: <answer>2 * 3</answer>", 6, [2, 3]) == 1.0


def test_tolerance_is_one_e_minus_five():
    for case in tolerance_cases():
        assert tinyzero_reward(case["text"], case["target"], case["nums"]) == case["expected"], case


def test_python_number_semantics_without_eval():
    assert tinyzero_value("7 / 3 * 3") == 7 / 3 * 3
    assert tinyzero_value("10 // 4") == 2 and tinyzero_value("-7 // 2") == -4
    assert tinyzero_value("2 ** -1") == 0.5
    assert tinyzero_value("(-8) ** 0.5") == (-8) ** 0.5  # complex, as in Python
    assert tinyzero_value("01.5 + 1") == 2.5
    assert tinyzero_value("01 + 1") is None  # leading zeros: a syntax error
    for bad in ("()", "...", "1 (2)", "1/0", "1 // 0", "((1)", "1 + \x0b2", "-" * 3500 + "1"):
        assert tinyzero_value(bad) is None, bad
    assert tinyzero_value("-" * 2000 + "1") == 1  # deep but within what Python's eval accepts


def test_huge_powers_give_a_verdict_at_once():
    start = time.perf_counter()
    assert tinyzero_reward(BASE + "<answer>99 ** 99 ** 99 - 98</answer>", 1, [99, 99, 99, 98]) == 0.1
    assert tinyzero_value("1 ** 99 ** 99") is None or tinyzero_value("1 ** 99 ** 99") == 1
    assert tinyzero_value(f"2 ** {MAX_POWER_BITS // 2} - 2 ** {MAX_POWER_BITS // 2} + 5") == 5
    hostile = BASE + "<answer>" * 200_000 + "1"
    assert tinyzero_reward(hostile, 1, [1]) == 0.0
    assert tinyzero_last_answer(BASE + "<answer>1</answer>" * 100_000) == "1"
    assert time.perf_counter() - start < 30  # a bound on the loop, not a speed figure


def test_qwen_instruct_template_is_make_prefix_byte_for_byte():
    cfg = CountdownConfig(template="qwen-instruct")
    sample = {"nums": [44, 19, 35], "target": 98}
    request = build_countdown_request(cfg, sample)
    numbers, target = sample["nums"], sample["target"]
    # TinyZero examples/data_preprocess/countdown.py, make_prefix(dp, template_type="qwen-instruct")
    expected = (
        "<|im_start|>system\nYou are a helpful assistant. You first thinks about the reasoning process in the"
        " mind and then provides the user with the answer.<|im_end|>\n<|im_start|>user\n Using the numbers"
        f" {numbers}, create an equation that equals {target}. You can use basic arithmetic operations (+, -,"
        " *, /) and each number can only be used once. Show your work in <think> </think> tags. And return the"
        " final answer in <answer> </answer> tags, for example <answer> (1 + 2) / 3 </answer>.<|im_end|>\n"
        "<|im_start|>assistant\nLet me solve this step by step.\n<think>"
    )
    assert request.prompt == expected == tinyzero_prefix(cfg, sample)
    assert request.assistant_prefill == "Let me solve this step by step.\n<think>"
    rendered = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in request.messages)
    assert rendered + "<|im_start|>assistant\n" + request.assistant_prefill == expected  # ChatML
    base = build_countdown_request(CountdownConfig(template="base"), sample)
    assert base.prompt == BASE_PREFIX.format(question=countdown_question(CountdownConfig(), sample))
    assert base.prompt.startswith("A conversation between User and Assistant.") and base.prompt.endswith("\n<think>")
    assert "assistant_prefill" not in build_countdown_request(CountdownConfig(), sample).to_json()
    assert QWEN_PREFIX.count("{question}") == 1


def test_scores_keep_the_task_rule_beside_tinyzero():
    cfg, sample = CountdownConfig(), {"nums": [1, 2, 3], "target": 9}
    both = score_countdown_response(cfg, sample, "<think>x</think>\n<answer>(1 + 2) * 3</answer>\n")
    assert both.scores.items() >= {"accuracy": 1.0, "reward": 1.0, "tinyzero_reward": 0.0}.items()
    multi = score_countdown_response(cfg, sample, "<answer>((1 + 2)\n* 3)</answer>")
    assert multi.scores["accuracy"] == 1.0 and multi.scores["tinyzero_reward"] == 0.0


def test_manifest_says_whether_the_prefill_was_sent(tmp_path):
    from harness.pipeline.runner import RunSpec, run
    from tests.fake_backend import FakeCountdownBackend

    class Prefilling(FakeCountdownBackend):
        def sends_assistant_prefill(self, request):
            return True

    def manifest(backend, out):
        spec = RunSpec(tasks=["countdown"], limit=3, seed=0, results_dir=str(tmp_path), out=str(tmp_path / out),
                       progress=False, settings={"template": "qwen-instruct"}, cache_path=str(tmp_path / f"{out}.sqlite"))
        outcome = run(spec, backend_factory=lambda m, o: backend)
        return json.loads((outcome.run_dir / "manifest.json").read_text())["tasks"]["countdown"]

    chat_api = manifest(FakeCountdownBackend(), "chat")["assistant_prefill"]
    assert chat_api["sent"] is False and chat_api["note"].startswith("NOT sent")
    assert manifest(Prefilling(), "prefill")["assistant_prefill"]["sent"] is True
    records = [json.loads(line) for line in (tmp_path / "prefill" / "samples.jsonl").read_text().splitlines()]
    assert all("tinyzero_reward" in r["scores"] for r in records)


@pytest.mark.model
def test_local_chat_template_continues_the_prefill_byte_for_byte():
    """The embedded model's ChatML template + the continued assistant turn = make_prefix exactly."""
    from transformers import AutoTokenizer

    from harness.backends.hf import HFBackend
    from harness.backends.local import converted_model_dir

    backend = HFBackend.__new__(HFBackend)  # the renderer only: no model weights needed
    backend.tokenizer = AutoTokenizer.from_pretrained(converted_model_dir())
    backend.supports_chat = True
    request = build_countdown_request(CountdownConfig(template="qwen-instruct"), {"nums": [44, 19, 35], "target": 98})
    assert backend.render(request) == request.prompt
    plain = build_countdown_request(CountdownConfig(), {"nums": [44, 19, 35], "target": 98})
    assert backend.render(plain).endswith("<|im_start|>assistant\n")


@pytest.mark.parametrize(
    ("ending", "template", "accuracy", "tinyzero"),
    [  # the table "How it differs from accuracy" in tasks/countdown/README.md
        ("<answer>(1 + 2) * 3</answer>", "base", 1.0, 1.0),
        ("<answer>(1 + 2) * 3</answer>\n", "base", 1.0, 0.0),
        ("<answer>(1 + 2) * 3</answer>\nDone.", "base", 1.0, 0.0),
        ("<answer>((1 + 2)\n* 3)</answer>", "base", 1.0, 0.0),
        ("<answer>(1 + 2) * 3</answer> <answer>9</answer>", "base", 0.0, 0.1),
        ("<answer>1 <answer>(1 + 2) * 3</answer>", "base", 1.0, 0.1),
        ("<answer><answer>(1 + 2) * 3</answer></answer>", "base", 0.0, 0.1),
        ("<answer>3 ** 2 * 1</answer>", "base", 0.0, 1.0),
        ("<answer>(1 + 2) * 3.</answer>", "base", 0.0, 1.0),
        ("<answer>(1 + 2) * 3</answer> Assistant: ok", "qwen-instruct", 1.0, 0.0),
    ],
)
def test_readme_table_of_differences(ending, template, accuracy, tinyzero):
    verdict = score_countdown_response(CountdownConfig(template=template), {"nums": [1, 2, 3], "target": 9},
                                       "<think>I try.</think>\n" + ending)
    assert (verdict.scores["accuracy"], verdict.scores["tinyzero_reward"]) == (accuracy, tinyzero)
    assert verdict.scores["tinyzero_accuracy"] == float(tinyzero == 1.0)


def test_the_figure_plots_the_table_metrics_under_their_own_names(monkeypatch):
    """issue 26: the figure drew `reward` (0.53) under the label "TinyZero reward" while the table's
    `tinyzero_reward` was 0.275. Every bar series is now a declared metric, with the table's values."""
    import tasks.countdown.plots as plots
    from harness.report.metrics import mean_with_ci
    from tasks.countdown.scoring import COUNTDOWN_METRICS

    drawn = {}
    monkeypatch.setattr(plots, "bar_chart", lambda series, labels, **kw: drawn.update(series) or "<svg/>")
    endings = ["<answer>(1 + 2) * 3</answer>\n", "<answer>1 + 2 + 3</answer>", "<answer>3 ** 2 * 1</answer>", "no block"]
    lines = []
    for ending in endings:
        sample = {"nums": [1, 2, 3], "target": 9}
        verdict = score_countdown_response(CountdownConfig(template="base"), sample, "<think>x</think>\n" + ending)
        lines.append({"sample": sample, "scores": verdict.scores, "answers": [verdict.answer]})
    assert plots.countdown_plots([], lines)
    declared = {m.name for m in COUNTDOWN_METRICS}
    assert drawn and set(drawn) <= declared, set(drawn)
    for name, bars in drawn.items():
        assert bars[0].value == mean_with_ci([line["scores"][name] for line in lines], "binary").value, name
    assert "tinyzero_accuracy" in drawn


def test_the_readme_quotes_gandhi_et_al_as_their_csvs_say(reference_dir):
    """The reference points in tasks/countdown/README.md are read from the authors' released CSVs
    (condition base_ppo): the best checkpoint's accuracy and step, and the last checkpoint's (issue 26:
    61.3% / 35.4% are best checkpoints, not the runs' ends)."""
    import csv
    from pathlib import Path

    readme = " ".join((Path(__file__).resolve().parents[1] / "tasks" / "countdown" / "README.md").read_text().split())
    results = reference_dir / "upstream" / "cognitive_behaviors" / "results"
    if not results.is_dir():
        pytest.skip(f"Gandhi et al.'s results not found at {results}")
    for model, csv_name in (("Qwen", "qwen_results.csv"), ("Llama", "llama_results.csv")):
        rows = [r for r in csv.DictReader((results / csv_name).open()) if r["condition"] == "base_ppo"]
        best = max(rows, key=lambda r: float(r["accuracy"]))
        last = max(rows, key=lambda r: int(r["step"]))
        assert f"{100 * float(best['accuracy']):.1f}%" in readme and f"{model} at step {best['step']}" in readme
        assert f"{100 * float(last['accuracy']):.1f}% ({model}, step {last['step']})" in readme
