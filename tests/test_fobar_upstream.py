"""Differential tests against the FOBAR authors' code (../shared/reference/upstream/fobar, Jiang et
al. 2024; no licence: run here as an oracle in a subprocess, never copied): their answer reading
(`answer_cleansing`) against tasks/mathword/extraction.py, and their combination of forward votes
and backward chains (`main_fobar_eval.py`) against harness/strategies/fobar.py, on seeded random
inputs with ties, unparseable answers, questions without masks and single candidates. Skipped
cleanly when the reference folder is absent; the project's own cases are in test_verify_selectors.py
and test_mathword.py."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from harness.strategies.fobar import fobar_combine
from tasks.mathword.extraction import BACKWARD_CUE, FORWARD_CUE, clean_answer

UPSTREAM = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "upstream" / "fobar" / "code"
pytestmark = pytest.mark.skipif(not (UPSTREAM / "main_fobar_eval.py").is_file(),
                                reason="the FOBAR authors' code is not in ../shared/reference/upstream/fobar")
FRAGMENTS = ["The answer is", "The value of x is", " ", "\n", ".", ",", "$", "-", "/", "x", "=", "so", "18", "0", "007",
             "2.50", "1,000", "3/4", "12.", "-5", "1e5", "100000000000000000000", "99" * 40, "½", "٣", "The answer is:",
             "the answer is", "1/2.", "4.0.", "--3", "5/", "..", "7,5", "0.000"]


def random_text(rng: random.Random) -> str:
    return "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(0, 12)))


def upstream_cleansing(texts: list[str], cue: str) -> list[str]:
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); from utils.answer_clean_utils import answer_cleansing;"
            " texts = json.load(sys.stdin);"
            " print(json.dumps([answer_cleansing(t, 'GSM8K', split_str=sys.argv[2]) for t in texts]))")
    done = subprocess.run([sys.executable, "-c", code, str(UPSTREAM), cue], input=json.dumps(texts), capture_output=True,
                          text=True, check=True, timeout=120)
    return json.loads(done.stdout)


@pytest.mark.parametrize("cue", [FORWARD_CUE, BACKWARD_CUE])
def test_answers_are_read_as_the_authors_read_them(cue):
    rng = random.Random(f"fobar-cleansing/{cue}")
    texts = [random_text(rng) for _ in range(3000)] + ["", "The answer is 18.", "The answer is $1,234.50.", "no number",
                                                       "The value of x is 5.\nThe answer is 7", "The answer is 3/."]
    theirs = upstream_cleansing(texts, cue)
    ours = [clean_answer(text, cue) or "" for text in texts]
    differ = [(t, a, b) for t, a, b in zip(texts, theirs, ours) if a != b]
    assert not differ, differ[:5]


def run_upstream_eval(tmp_path: Path, records: list[dict], tag: str) -> dict[str, float]:
    """Run main_fobar_eval.py on ``records`` (the backward-answers file it reads); its three accuracies."""
    home = tmp_path / tag
    (home / "code").mkdir(parents=True)
    (home / "data").mkdir()
    name = "gsm8k_test-cleaned_SCCoT_test-model_0-backward-answers.json"
    (home / "data" / name).write_text(json.dumps(records), encoding="utf-8")
    env = {"PYTHONPATH": str(UPSTREAM), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, str(UPSTREAM / "main_fobar_eval.py"), "--eng", "test-model", "--method_name", "SCCoT",
                           "--ds_name", "GSM8K", "--MB", "8"], cwd=home / "code", env=env, capture_output=True, text=True,
                          check=True, timeout=120)
    found = re.search(r"sc=([\d.]+); inv=([\d.]+); merged=([\d.]+)", done.stdout)
    assert found, done.stdout + done.stderr
    return {"sc": float(found.group(1)), "inv": float(found.group(2)), "merged": float(found.group(3))}


def scenario(rng: random.Random, index: int) -> dict:
    """One question: forward answers, masks, and the text of every backward chain."""
    pool = rng.choice([["12", "13"], ["12", "13", "", "7"], ["5"], ["1", "2", "3", "4", "", "2.5"]])
    answers = [rng.choice(pool) for _ in range(rng.randint(1, 10))]
    masks = [str(rng.randint(1, 60)) for _ in range(rng.choice([0, 1, 2, 3]))]
    chains = {}
    for candidate in dict.fromkeys(answers):
        for m, value in enumerate(masks):
            for chain in range(8):
                kind = rng.random()
                if kind < 0.35:
                    text = f"So 3 + x = y. The value of x is {value}."
                elif kind < 0.5:
                    text = f"no cue here, only {value}"  # no cue: the last number of the whole text
                elif kind < 0.6:
                    text = random_text(rng)
                else:
                    text = f"The value of x is {int(value) + rng.randint(1, 9)}."
                chains[(candidate, m, chain)] = text
    return {"question": f"question {index}", "answers": answers, "masks": masks, "chains": chains}


def our_choices(case: dict) -> tuple[str, str, str]:
    counts = dict(Counter(case["answers"]))  # insertion order = first appearance
    recovered = None
    if len(counts) > 1 and case["masks"]:
        recovered = {candidate: 0 for candidate in counts}
        for (candidate, m, _), text in case["chains"].items():
            if clean_answer(text, BACKWARD_CUE) == case["masks"][m]:
                recovered[candidate] += 1
    choice = fobar_combine(counts, recovered, 0.5)
    forward = max(choice.forward, key=choice.forward.__getitem__)
    return forward, choice.backward_key, choice.key


def upstream_records(case: dict, gold: str) -> list[dict]:
    counts = dict(Counter(case["answers"]))
    base = {"question": case["question"], "answer": gold, "answer_detail": "", "ans_stat": counts}
    if len(counts) == 1 or not case["masks"]:
        return [base]
    records = []
    for candidate in counts:
        for m, value in enumerate(case["masks"]):
            inverse = f"{case['question']} masked {m}"
            for chain in range(8):
                records.append({**base, "candidate_answer": candidate, "inv_question": inverse, "inv_question_ans": value,
                                "inv_question_pred_answer": case["chains"][(candidate, m, chain)]})
    return records


def test_forward_backward_combination_agrees_with_the_authors_on_every_question(tmp_path):
    rng = random.Random("fobar-combination")
    cases = [scenario(rng, i) for i in range(300)]
    ours = [our_choices(case) for case in cases]
    # the authors' script prints accuracies only: make each of our choices the gold answer in turn, and
    # every question where they agree counts; 100.00 = agreement on all 300
    for position, selector in enumerate(("sc", "inv", "merged")):
        records = [r for case, choice in zip(cases, ours) for r in upstream_records(case, choice[position])]
        accuracy = run_upstream_eval(tmp_path, records, selector)[selector]
        assert accuracy == 100.0, f"{selector}: the authors' choice differs from ours on {round(300 * (1 - accuracy / 100))} of 300"
    assert sum(len(dict(Counter(c["answers"]))) > 1 and bool(c["masks"]) for c in cases) > 100  # most were checked backwards
    assert sum(ours[i][2] != ours[i][0] for i in range(300)) > 10  # the backward check changed many choices
