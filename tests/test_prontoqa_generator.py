"""Our own PrOntoQA generator: deterministic byte for byte, every configuration's gold proof scores
1.0 with the family's own grader, distractors are what their names say, and the docs table of
the generated set is current."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

import harness
from harness.core.errors import HarnessError
from tasks.prontoqa.config import DEDUCTION_RULES, ONE_HOP_RULES, PrOntoQAConfig
from tasks.prontoqa.generator import generate_prontoqa
from tasks.prontoqa.logic import Rule
from tasks.prontoqa.parse import parse_text, split_sentences
from tasks.prontoqa.prompts import build_prontoqa_request
from tasks.prontoqa.scoring import sample_lexicon, score_prontoqa_response
from tasks.prontoqa.summary import generated_set_table
from tests.conftest import REPO_ROOT


def gold_text(sample):
    return " ".join(sample["chain_of_thought"]) + (f" {sample['answer']}" if sample["answer"] else "")


def test_same_seed_same_questions_and_prompts_byte_for_byte():
    task = harness.get_task("prontoqa")
    first = [json.dumps(generate_prontoqa(task.config, 7, i), sort_keys=True) for i in range(10)]
    again = [json.dumps(generate_prontoqa(task.config, 7, i), sort_keys=True) for i in range(10)]
    assert first == again
    assert first != [json.dumps(generate_prontoqa(task.config, 8, i), sort_keys=True) for i in range(10)]
    prompts = [build_prontoqa_request(task.config, json.loads(s)).to_json() for s in first]
    assert prompts == [build_prontoqa_request(task.config, json.loads(s)).to_json() for s in again]


def test_chain_of_thought_and_lambada_ask_the_same_questions():
    cot = harness.load_samples(harness.get_task("prontoqa"), seed=3, limit=5)
    lambada = harness.load_samples(harness.get_task("prontoqa-lambada"), seed=3, limit=5)
    fewer_shots = harness.load_samples(harness.get_task("prontoqa", {"few_shot": "1"}), seed=3, limit=5)
    keys = ("id", "question", "query", "chain_of_thought", "answer", "hops")
    assert [[s[k] for k in keys] for s in cot] == [[s[k] for k in keys] for s in lambada] == [[s[k] for k in keys] for s in fewer_shots]


def configurations():
    for rule in DEDUCTION_RULES:
        for ontology in ("fictional", "true", "false"):
            for distractors in ("none", "relevant", "irrelevant"):
                hops = (1,) if rule in ONE_HOP_RULES else (1, 2, 3, 4, 5)
                cfg = PrOntoQAConfig(hops=hops, ontology=ontology, distractors=distractors, deduction_rule=rule, few_shot=1,
                                     ordering="random" if distractors == "irrelevant" else "ordered")
                try:
                    cfg.validate()
                except ValueError:
                    continue
                yield cfg


@pytest.mark.parametrize("cfg", list(configurations()), ids=lambda c: f"{c.deduction_rule}-{c.ontology}-{c.distractors}")
def test_every_configuration_s_gold_proof_scores_one(cfg):
    for index in range(10):
        sample = generate_prontoqa(cfg, 0, index)
        scores = score_prontoqa_response(cfg, sample, gold_text(sample)).scores
        assert scores["proof_accuracy"] == scores["proof_accuracy_every_step"] == scores["valid_step_share"] == 1.0, sample
        assert scores.get("label_accuracy", 1.0) == 1.0 and scores["invalid_step_share"] == 0.0
        lexicon = sample_lexicon(sample)
        context, proof = parse_text(sample["question"], lexicon), parse_text(" ".join(sample["chain_of_thought"]), lexicon)
        assert None not in context and None not in proof
        rules_used = [step for step in proof if isinstance(step, Rule)]
        assert all(rule in context for rule in rules_used)  # every rule the proof cites is in the context
        if cfg.deduction_rule == "ModusPonens":
            assert len(rules_used) == sample["hops"] and sample["query"].startswith("True or false: ")
        else:
            assert sample["answer"] is None and sample["query"].startswith("Prove: ")
        assert len(sample["examples"]) == 1 and sample["examples"][0]["query"][:5] == sample["query"][:5]


def sentences(text):
    return [" ".join(tokens) for tokens in split_sentences(text)]


def test_distractors_none_relevant_irrelevant():
    base = PrOntoQAConfig(hops=(3,), few_shot=0)
    for index in range(20):
        none = generate_prontoqa(dataclasses.replace(base, distractors="none"), 0, index)
        assert set(sentences(none["question"])) <= set(sentences(" ".join(none["chain_of_thought"])))
        relevant = generate_prontoqa(base, 0, index)
        lexicon = sample_lexicon(relevant)
        proof = parse_text(" ".join(relevant["chain_of_thought"]), lexicon)
        context = parse_text(relevant["question"], lexicon)
        goal = proof[-1].formula
        assert any(isinstance(s, Rule) and s.consequent == goal.negated() for s in context)  # "Every D is not P"
        entity = proof[0].entity
        assert sum(f"{entity} is" in s for s in sentences(relevant["question"])) == 2  # a second premise
        irrelevant = generate_prontoqa(dataclasses.replace(base, distractors="irrelevant"), 0, index)
        lexicon = sample_lexicon(irrelevant)
        used = {p for step in parse_text(" ".join(irrelevant["chain_of_thought"]), lexicon) for p in _predicates(step)}
        extra = [s for s in parse_text(irrelevant["question"], lexicon) if s not in parse_text(" ".join(irrelevant["chain_of_thought"]), lexicon)]
        assert extra and all(not (_predicates(s) & used) for s in extra)
        assert len(lexicon.entities) == 2


def _predicates(step):
    from tasks.prontoqa.logic import predicates_of

    return set(predicates_of(step))


def test_answers_are_balanced_and_hops_cycle():
    samples = [generate_prontoqa(PrOntoQAConfig(few_shot=0), 0, i) for i in range(200)]
    assert [s["hops"] for s in samples[:6]] == [1, 2, 3, 4, 5, 1]
    assert 0.4 < sum(s["answer"] == "True" for s in samples) / len(samples) < 0.6


def test_settings_that_do_not_fit_are_one_clear_line():
    for settings, message in (({"ontology": "true"}, "distractors=none"), ({"hops": "9"}, "between 1 and 8"),
                              ({"deduction_rule": "OrElim"}, "hops=1"), ({"method": "lambada", "deduction_rule": "AndIntro"}, "ModusPonens"),
                              ({"deduction_rule": "Modus"}, "deduction_rule must be one of")):
        with pytest.raises(HarnessError, match=message):
            harness.get_task("prontoqa", settings)


def test_the_docs_table_of_the_generated_set_is_current():
    page = (REPO_ROOT / "tasks" / "prontoqa" / "README.md").read_text(encoding="utf-8")  # docs/families/prontoqa.md includes it
    command = re.search(r"python -m tasks\.prontoqa\.summary --limit (\d+)", page)
    assert command, "tasks/prontoqa/README.md shows the command that prints its table"
    assert generated_set_table(int(command.group(1))) in page, "re-run the command and paste its table into tasks/prontoqa/README.md"
