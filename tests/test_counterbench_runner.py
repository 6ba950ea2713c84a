"""CounterBench through the real runner with in-process backends: a backend that reads the rules
from the prompt and answers exactly scores 1.0 (so every prompt carries what is needed), an
always-"yes" backend sits exactly at chance on the balanced items."""

from __future__ import annotations

import json

from harness.backends.base import Backend
from harness.core.types import Generation
from harness.pipeline.runner import GenerationOverrides, RunSpec, run
from tasks.counterbench.rule_text import QUESTION_TEMPLATES, RuleSyntaxError, parse_given_info, parse_question
from tasks.counterbench.scm import counterfactual_outcome


def exact_reading(prompt_text: str) -> str:
    """Answer a CounterBench prompt by parsing its first two lines (rules, question)."""
    given_info, question = prompt_text.split("\n")[:2]
    model, observations = parse_given_info(given_info)
    for query_type in QUESTION_TEMPLATES:
        try:
            query = parse_question(question, query_type)
        except RuleSyntaxError:
            continue
        answer = counterfactual_outcome(model, query.target, query.as_interventions(), observations)
        return "yes" if answer else "no"
    return "unsure"


class ScriptedBackend(Backend):
    def __init__(self, reply):
        self.name, self.reply, self.asked = "scripted", reply, []

    def generate(self, requests):
        for index, request in enumerate(requests):
            self.asked.append(request)
            text = self.reply(request.messages[-1]["content"])
            yield index, Generation(texts=[text] * request.settings.n, finish_reasons=["stop"] * request.settings.n,
                                    prompt_tokens=50, completion_tokens=[7] * request.settings.n)


def _run(tmp_path, reply, name="run", **kwargs):
    spec = RunSpec(results_dir=str(tmp_path), out=str(tmp_path / name), cache_path=str(tmp_path / f"{name}.sqlite"),
                   progress=False, **kwargs)
    outcome = run(spec, backend_factory=lambda model, options: ScriptedBackend(reply))
    return {row["group"]: row for row in outcome.rows}, outcome


def test_exact_reasoner_scores_one_on_generated_items(tmp_path):
    rows, outcome = _run(tmp_path, lambda text: f"Step 1. ...\nAnswer: {exact_reading(text)}",
                         tasks=["counterbench-coin"], limit=24, seed=2)
    assert rows[""]["metrics"]["accuracy"].value == 1.0 and rows[""]["unparseable"] == 0
    assert rows[""]["metrics"]["chance"].value == 0.5
    assert {"type=basic", "type=conditional", "type=joint", "type=nested", "variables=5", "variables=7"} <= set(rows)
    line = json.loads((outcome.run_dir / "samples.jsonl").read_text().splitlines()[0])
    assert "Backtrack" in line["prompt"][-1]["content"]


def test_exact_reasoner_on_original_format_data(tmp_path, fixtures_dir):
    data = str(fixtures_dir / "counterbench" / "original_format.jsonl")
    rows, _ = _run(tmp_path, lambda text: exact_reading(text).capitalize() + ".",
                   tasks=["counterbench-original"], data=data)
    assert rows[""]["n"] == 10 and rows[""]["metrics"]["accuracy"].value == 1.0


def test_always_yes_is_at_chance_and_shows_in_yes_rate(tmp_path):
    rows, _ = _run(tmp_path, lambda text: "Yes", tasks=["counterbench"], limit=16,
                   overrides=GenerationOverrides(n=3, temperature=1.0))
    main = rows[""]["metrics"]
    assert main["accuracy"].value == 0.5 and main["yes_rate"].value == 1.0
    assert main["pass@2"].value == 0.5 and main["maj@3"].value == 0.5
    for label in ("type=basic", "type=conditional", "type=joint", "type=nested"):
        assert rows[label]["metrics"]["accuracy"].value == 0.5
