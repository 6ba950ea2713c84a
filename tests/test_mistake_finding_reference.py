"""Differential tests against the original BIG-Bench Mistake repository (../shared/reference/
bigbench_mistake: data, the paper's prompt files, the authors' Dyck annotator). Skipped cleanly
without it; the same behaviours are covered on the project's fixtures elsewhere.

The authors' files run only in a subprocess, as oracles: the prompt modules are imported there
(they hold string constants) and their templates filled with str.format, and the Dyck annotator
(annotate_dyck_languages.py, stubbing its absl/immutabledict/tabulate imports when absent) labels
our generated traces, which must get exactly our mistake_index.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest

import harness
from harness.pipeline.samples import select_samples
from tasks.mistake_finding.config import SOURCE_TASKS
from tasks.mistake_finding.generator import generate_mistake_trace
from tasks.mistake_finding.prompt_files import read_constants
from tasks.mistake_finding.scoring import gold_location, score_location
from tasks.mistake_finding.step_traces import generation_setup, question_prefix
from tasks.mistake_finding.trace_dyck import trace as dyck_trace
from tests.mistake_finding_support import REFERENCE

pytestmark = pytest.mark.skipif(not REFERENCE.is_dir(), reason="../shared/reference/bigbench_mistake is absent")

ORACLE_PROMPTS = r"""
import importlib.util, json, sys
path, cases = sys.argv[1], json.loads(sys.stdin.read())
spec = importlib.util.spec_from_file_location("prompts", path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
constants = {k: v for k, v in vars(module).items() if k.endswith(("_TEMPLATE", "_MESSAGES"))}
filled = [getattr(module, c["template"]).format(input=c["input"], steps=c["steps"], current_step=c["step"]) for c in cases]
print(json.dumps({"constants": constants, "filled": filled}))
"""

ORACLE_DYCK = r"""
import importlib.util, json, sys, types
for name in ("absl", "absl.app", "absl.flags", "absl.logging", "immutabledict", "tabulate"):
    try:
        __import__(name)
    except ImportError:
        stub = types.ModuleType(name)
        stub.DEFINE_string = lambda *a, **k: None
        stub.immutabledict = dict
        sys.modules[name] = stub
        if name.startswith("absl."):
            setattr(sys.modules["absl"], name.split(".")[1], stub)
spec = importlib.util.spec_from_file_location("annotate", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
out = []
for trace in json.loads(sys.stdin.read()):
    correct = module.generate_correct_traces(trace["input"])
    found = module.get_mismatched_step(trace["steps"], correct)
    out.append({"correct": correct, "mistake_index": found})
print(json.dumps(out))
"""


def oracle(script: str, path, payload) -> object:
    done = subprocess.run([sys.executable, "-c", script, str(path)], input=json.dumps(payload), capture_output=True,
                          text=True, timeout=300, check=True)
    return json.loads(done.stdout)


def reference_samples(name="mistake-finding"):
    task = harness.get_task(name)
    return task, select_samples(task, data=str(REFERENCE))


def test_all_2186_traces_load_with_the_papers_counts_and_prompts():
    task, samples = reference_samples()
    assert len(samples) == 2186 and sum(s["mistake_index"] is not None for s in samples) == 1708
    assert Counter(s["source_task"] for s in samples) == {"word_sorting": 300, "tracking_shuffled_objects": 300,
                                                          "logical_deduction": 300, "multistep_arithmetic": 300,
                                                          "dyck_languages": 986}
    assert {s["prompts"] for s in samples} == {"paper"}
    gold = [score_location(task.config, s, str(gold_location(s))).scores["accuracy"] for s in samples]
    assert sum(gold) == 2186
    off = [score_location(task.config, s, str(s["mistake_index"] + 2)).scores["accuracy"] for s in samples if s["mistake_index"] is not None]
    assert sum(off) == 0
    assert all(score_location(task.config, s, "No").scores["accuracy"] == (s["mistake_index"] is None) for s in samples)


@pytest.mark.parametrize("source_task", SOURCE_TASKS)
def test_requests_hold_the_papers_prompts_exactly(source_task):
    """What the paper's code would build from its prompt module (messages, then the template
    filled with str.format) is what the family sends, in every mode."""
    path = REFERENCE / "mistake_finding_prompts" / f"{source_task}_prompts.py"
    modes = {"mistake-finding": ("DIRECT", None), "mistake-finding-step": ("DIRECT_PERSTEP", 2),
             "mistake-finding-cot": ("COT_PERSTEP", 3)}
    built, cases = [], []
    for name, (prefix, step) in modes.items():
        task, samples = reference_samples(name)
        for sample in [s for s in samples if s["source_task"] == source_task][:4]:
            if step is None:
                request = task.family.build_request(task.config, sample)
                shown = sample["steps"]
            else:
                from tasks.mistake_finding.requests import step_request

                request = step_request(task.config, sample, step)
                shown = sample["steps"][:step]
            steps_text = "\n".join(f"Thought {i}: {s}" for i, s in enumerate(shown, start=1))
            cases.append({"template": f"{prefix}_TEMPLATE", "input": sample["input"], "steps": steps_text, "step": step or ""})
            built.append((prefix, request))
    answer = oracle(ORACLE_PROMPTS, path, cases)
    assert answer["constants"] == json.loads(json.dumps(read_constants(path)))  # the ast reading equals importing
    for (prefix, request), filled in zip(built, answer["filled"]):
        expected = [*answer["constants"][f"{prefix}_MESSAGES"], {"role": "user", "content": filled}]
        assert [dict(m) for m in request.messages] == expected


def test_the_authors_dyck_annotator_labels_our_generated_traces_as_we_do():
    task = harness.get_task("mistake-finding-generated", {"source_tasks": "dyck_languages", "max_brackets": "40"})
    samples = [generate_mistake_trace(task.config, 5, i) for i in range(300)]
    labelled = oracle(ORACLE_DYCK, REFERENCE / "annotate_dyck_languages.py", samples)
    assert [item["mistake_index"] for item in labelled] == [s["mistake_index"] for s in samples]
    assert sum(s["mistake_index"] is not None for s in samples) > 150
    for sample, item in zip(samples, labelled):
        assert dyck_trace(sample["input"].split())[0] == item["correct"]


def test_our_correct_dyck_trace_is_the_authors_on_every_original_input():
    _, samples = reference_samples()
    inputs = sorted({s["input"] for s in samples if s["source_task"] == "dyck_languages"})
    payload = [{"input": i, "steps": dyck_trace(i.split())[0]} for i in inputs if _leaves_open(i)]
    labelled = oracle(ORACLE_DYCK, REFERENCE / "annotate_dyck_languages.py", payload)
    assert len(payload) > 900
    assert all(item["mistake_index"] is None and item["correct"] == p["steps"] for item, p in zip(labelled, payload))


def _leaves_open(text: str) -> bool:
    from tasks.mistake_finding.trace_dyck import stack_heights

    return stack_heights(text.split())[-1] > 0


def test_the_generation_prompts_question_form_is_read_from_the_files():
    prefixes = {}
    for task in SOURCE_TASKS:
        text = (REFERENCE / "generation_prompts" / f"{task}_prompt.txt").read_text()
        prefixes[task] = question_prefix(text.strip())
        blocks = text.strip().split("\n\n")[1:]
        assert len(blocks) == 3 and all(block.startswith(prefixes[task]) for block in blocks)
    assert prefixes["multistep_arithmetic"] == prefixes["tracking_shuffled_objects"] == "Q: "
    assert prefixes["logical_deduction"] == ""
    assert prefixes["word_sorting"].startswith("Q: ") and prefixes["word_sorting"].endswith("List: ")
    assert prefixes["dyck_languages"].startswith("Q: ") and prefixes["dyck_languages"].endswith("Input: ")
    _, samples = reference_samples()
    sample = next(s for s in samples if s["source_task"] == "word_sorting")
    examples, question = generation_setup(sample)
    assert examples == (REFERENCE / "generation_prompts" / "word_sorting_prompt.txt").read_text().strip()
    assert question == prefixes["word_sorting"] + sample["input"]
