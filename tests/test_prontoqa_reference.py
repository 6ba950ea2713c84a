"""Differential test against the authors' code (../shared/reference/upstream/prontoqa, Apache-2.0),
run as an oracle in subprocesses from a temporary copy; skipped without the reference folder.

1. The upstream generator writes questions (modus ponens over the fictional, false and true
   ontologies, irrelevant distractors, 5 hops, and the five PrOntoQA-OOD rules); our loader reads
   every file and scores every gold proof (and label) 1.0.
2. Chains of thought made from those gold proofs (steps dropped, swapped, repeated, shuffled,
   reversed, context sentences inserted, labels changed) are graded by the authors'
   evaluate_response and by our checker: label correctness and every step category (strictly
   valid, misleading, useful/wrong skip and non-atomic steps, invalid rules, incorrect steps) and
   the three "conclusion reached" flags must agree on every chain.

Our grader counts a sentence outside the grammar as an invalid step; the authors' pipeline stops
on one unless it matches their list of known bad patterns (bad_patterns.txt), so the chains here
are made of parseable sentences only.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tasks.prontoqa.config import PrOntoQAConfig
from tasks.prontoqa.lexicon import infer_lexicon
from tasks.prontoqa.loader import load_prontoqa
from tasks.prontoqa.logic import Lit, Rule
from tasks.prontoqa.parse import parse_text
from tasks.prontoqa.proof_check import check_proof
from tasks.prontoqa.render import render_step
from tasks.prontoqa.scoring import FALSE_WORDS, TRUE_WORDS, score_prontoqa_response, split_label

GENERATE = [  # run_experiment.py arguments (--model-name json --model-size dummy --num-trials 3 first)
    "--min-hops 1 --max-hops 3 --few-shot-examples 1",
    "--min-hops 5 --max-hops 5 --few-shot-examples 1",
    "--min-hops 2 --max-hops 2 --few-shot-examples 1 --ontology false",
    "--min-hops 3 --max-hops 3 --few-shot-examples 1 --ontology true --distractors none --test-distractors none",
    "--min-hops 2 --max-hops 2 --few-shot-examples 1 --distractors irrelevant --test-distractors irrelevant",
    *(f"--min-hops 2 --max-hops 2 --few-shot-examples 1 --deduction-rule {rule} --proofs-only" for rule in ("AndIntro", "AndElim", "OrIntro")),
    *(f"--min-hops 1 --max-hops 1 --few-shot-examples 1 --deduction-rule {rule} --proofs-only" for rule in ("OrElim", "ProofByContra")),
]

TRIALS = 3

ORACLE = r'''
import json, sys
sys.setrecursionlimit(10000)
sys.path.insert(0, ".")
import run_experiment as upstream
for line in sys.stdin:
    case = json.loads(line)
    axioms = upstream.parse_reasoning(case["question"], [])
    proof, label, _ = upstream.parse_response(case["response"])
    result = upstream.evaluate_response(proof, label, case["expected"], axioms, case["proofs_only"], [])
    keys = ("label", "expected_label", "correct", "correct_and_useful", "redundant", "unparseable", "wrong_branch", "useful_skip",
            "wrong_skip", "useful_non_atomic", "wrong_non_atomic", "invalid", "incorrect", "found", "found_skip", "found_non_atomic")
    print(json.dumps(dict(zip(keys, result))), flush=True)
'''


@pytest.fixture(scope="module")
def upstream_dir(tmp_path_factory) -> Path:
    source = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "upstream" / "prontoqa"
    if not (source / "run_experiment.py").is_file():
        pytest.skip(f"the upstream PrOntoQA code is not at {source} (only present on the dev machine)")
    folder = tmp_path_factory.mktemp("prontoqa-upstream")
    for path in source.iterdir():
        if path.suffix in (".py", ".txt"):
            shutil.copy(path, folder / path.name)
    (folder / "oracle.py").write_text(ORACLE)

    def generate(arguments: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "run_experiment.py", "--model-name", "json", "--model-size", "dummy", "--num-trials", str(TRIALS), *arguments.split()]
        return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=240)

    with ThreadPoolExecutor(max_workers=4) as pool:
        for arguments, done in zip(GENERATE, pool.map(generate, GENERATE)):
            assert done.returncode == 0, f"{arguments}: {done.stderr[-1500:]}"
    return folder


def files(folder: Path) -> list[Path]:
    found = sorted(p for p in folder.glob("*.json") if p.stat().st_size > 0)
    assert len(found) >= len(GENERATE) + 2, [p.name for p in found]
    return found


def config_for(path: Path) -> PrOntoQAConfig:
    for rule in ("AndIntro", "AndElim", "OrIntro", "OrElim", "ProofByContra"):
        if f"_{rule}" in path.name:
            return PrOntoQAConfig(deduction_rule=rule, hops=(1,))
    return PrOntoQAConfig()


def test_upstream_questions_load_and_their_gold_scores_one(upstream_dir):
    total = 0
    for path in files(upstream_dir):
        cfg = config_for(path)
        for sample in load_prontoqa(str(path), cfg):
            gold = " ".join(sample["chain_of_thought"]) + (f" {sample['answer']}" if sample["answer"] else "")
            scores = score_prontoqa_response(cfg, sample, gold).scores
            assert scores["proof_accuracy"] == scores["proof_accuracy_every_step"] == 1.0, (path.name, sample["id"])
            assert scores.get("label_accuracy", 1.0) == 1.0
            total += 1
    assert total == TRIALS * (len(GENERATE) + 2)


def perturbations(test: dict, rng: random.Random, lexicon) -> list[tuple[str, str]]:
    """Chains of thought made from the gold one: our own edits, each a plausible model mistake."""
    cot = [s.strip() for s in test["chain_of_thought"]]
    rules = [(k, step) for k, step in enumerate(parse_text(" ".join(cot), lexicon)) if isinstance(step, Rule)]
    answer = test.get("answer")
    tail = f" {answer}" if answer else ""
    context = [s.strip() + "." for s in test["question"].split(".") if s.strip()]
    out = [("gold", " ".join(cot) + tail)]
    if answer:
        out += [("period", " ".join(cot) + tail + "."), ("flipped", " ".join(cot) + (" False" if answer == "True" else " True"))]
    for k in range(len(cot)):
        out.append((f"drop{k}", " ".join(cot[:k] + cot[k + 1 :]) + tail))
        out.append((f"repeat{k}", " ".join(cot[: k + 1] + cot[k:]) + tail))
        out.append((f"insert{k}", " ".join(cot[:k] + [rng.choice(context)] + cot[k:]) + tail))
    for k in range(len(cot) - 1):
        out.append((f"swap{k}", " ".join(cot[:k] + [cot[k + 1], cot[k]] + cot[k + 2 :]) + tail))
    shuffled = cot[:]
    rng.shuffle(shuffled)
    mixed = cot[:]
    for _ in range(3):
        mixed.insert(rng.randrange(len(mixed) + 1), rng.choice(context))
    out += [("reversed", " ".join(cot[::-1]) + tail), ("shuffled", " ".join(shuffled) + tail), ("mixed", " ".join(mixed) + tail)]
    for (k, first), (_, second) in zip(rules, rules[1:]):  # two rules as one (a skip step) and a rule read backwards (invalid)
        if first.consequent == second.antecedent and isinstance(second.antecedent, Lit):
            composed = render_step(Rule(first.antecedent, second.consequent), lexicon)
            converse = render_step(Rule(first.consequent, first.antecedent), lexicon)
            if written_as_in(test["question"], composed) and written_as_in(test["question"], converse):
                out.append((f"composed{k}", " ".join(cot[:k] + [composed] + cot[k + 1 :]) + tail))
                out.append((f"converse{k}", " ".join(cot[:k] + [converse] + cot[k + 1 :]) + tail))
    return out


def written_as_in(text: str, sentence: str) -> bool:
    """Every word after the first as the context writes it (our lexicon keeps "Mersenne prime" in lower case)."""
    words = set(text.replace(".", " ").split())
    return all(word in words for word in sentence.rstrip(".").split()[1:])


def ours(test: dict, response: str, lexicon) -> dict:
    axioms = [step for step in parse_text(test["question"], lexicon) if step is not None]
    gold = [step for step in parse_text(" ".join(test["chain_of_thought"]), lexicon) if step is not None]
    proof_text, word = split_label(response)
    grade = check_proof(parse_text(proof_text, lexicon), axioms, gold)
    label = None if not test.get("answer") else float(word in (TRUE_WORDS if test["answer"] == "True" else FALSE_WORDS))
    return {"label": label, "correct": grade.correct, "wrong_branch": grade.wrong_branch, "useful_skip": grade.useful_skip,
            "wrong_skip": grade.wrong_skip, "useful_non_atomic": grade.useful_non_atomic, "wrong_non_atomic": grade.wrong_non_atomic,
            "invalid": grade.invalid_rules, "incorrect": grade.incorrect, "found": grade.found_conclusion,
            "found_skip": grade.found_conclusion_with_skip, "found_non_atomic": grade.found_conclusion_with_non_atomic}


def test_step_grades_agree_with_the_authors_grader(upstream_dir):
    rng = random.Random(0)
    cases, mine = [], []
    for path in files(upstream_dir):
        for key, entry in json.loads(path.read_text()).items():
            test = entry["test_example"]
            lexicon = infer_lexicon([test["question"], test["query"], " ".join(test["chain_of_thought"])],
                                    adjective_phrases=test.get("answer") is None)
            expected = " ".join(test["chain_of_thought"]) + (f" {test['answer']}" if test.get("answer") else "")
            for name, response in perturbations(test, rng, lexicon):
                cases.append({"question": test["question"], "response": response, "expected": expected,
                              "proofs_only": test.get("answer") is None, "where": f"{path.name} {key} {name}"})
                mine.append(ours(test, response, lexicon))
    done = subprocess.run([sys.executable, "oracle.py"], cwd=upstream_dir, input="\n".join(json.dumps(c) for c in cases),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    theirs = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(theirs) == len(cases) > 1000
    differences = [(case["where"], case["response"], {k: (their[k], our[k]) for k in our if their[k] != our[k]})
                   for case, their, our in zip(cases, theirs, mine) if any(their[k] != our[k] for k in our)]
    assert not differences, differences[:3]
    for category in ("wrong_branch", "useful_non_atomic", "useful_skip", "invalid", "incorrect"):
        assert any(m[category] for m in mine), f"no chain exercised {category}"
