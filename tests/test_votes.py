"""maj@k votes on each family's canonical answer (Family.canonical_answer) and never depends on the
order of the completions (issue 26: "(1+2)*3", "(1 + 2) * 3" and "(1+2) * 3" were three answers, so
three right of five gave maj@5 = 0, and ties went to the first completion)."""

from __future__ import annotations

import itertools
import random

import pytest

from harness.core.registry import get_task
from harness.core.types import ScoredSample, Verdict
from harness.pipeline.scoring import mean_scores
from harness.report.metrics import majority_answer_score, sampling_metrics
from harness.report.tables import task_rows


def scored(task, sample, texts):
    verdicts = [task.family.score(task.config, sample, text) for text in texts]
    return ScoredSample(sample=sample, verdicts=verdicts, scores=mean_scores(verdicts))


def test_countdown_votes_on_the_value_and_numbers_not_the_text():
    task = get_task("countdown")
    sample = {"id": "c/0", "nums": [1, 2, 3], "target": 9}
    texts = [f"<answer>{e}</answer>" for e in ("(1+2)*3", "(1 + 2) * 3", "(1+2) * 3", "1 + 2 + 3", "1 + 2 + 3")]
    record = scored(task, sample, texts)
    row = task_rows(task, [record])[0]["metrics"]
    assert row["maj@5"].value == 1.0  # three right answers are one answer
    assert sampling_metrics([record], "accuracy")["maj@5"].value == 0.0  # on raw text "1 + 2 + 3" won 2 to 1
    canonical = lambda answer: task.canonical_answer(sample, answer)
    assert canonical("(1+2)*3") == canonical("3 * (2 + 1)") == canonical("((1)+2)*3")
    assert canonical("(1+2)*3") != canonical("(1+2)+3") and canonical("9") != canonical("(1+2)*3")
    assert canonical("1 + x") == {"expression": "1+x"}


@pytest.mark.parametrize(
    ("task_name", "sample", "same", "different"),
    [
        ("sudoku-4x4", None, ['<answer>[["1","2"],["2","1"]]</answer>', "<answer>[[1, 2], [2, 1]]</answer>", "1 2\n2 1"],
         ["<answer>[[2, 1], [1, 2]]</answer>"]),
        ("counterbench", {"id": "q", "answer": "yes"}, ["Yes.", "**yes**", "The answer is yes"], ["No."]),
        ("reversal-celebrity", {"id": "r", "gold": "Ron Donachie", "direction": "reverse", "row": 0},
         ["Ron Donachie", "Ron Donachie is his father.", "Ron Donachie."], ["Ron Donachi", "ron donachie"]),
        ("reversal-fictitious", {"id": "f", "target": " Uriah Hawthorne", "split": "d2p_prompts_test", "direction": "same"},
         ["Uriah Hawthorne", "uriah hawthorne now lives quietly", " URIAH HAWTHORNE."], ["Uriah Hawthorn", "Daphne Barrington"]),
    ],
)
def test_each_family_merges_what_its_scorer_cannot_tell_apart(task_name, sample, same, different):
    task = get_task(task_name)
    if sample is None:
        sample = {"id": "s", "box_rows": 1, "box_cols": 2, "puzzle": [[0, 2], [2, 0]], "solution": [[1, 2], [2, 1]]}
    verdicts = [task.family.score(task.config, sample, text) for text in same + different]
    forms = [task.canonical_answer(sample, v.answer) for v in verdicts]
    assert all(form == forms[0] for form in forms[: len(same)]), forms
    assert all(form != forms[0] for form in forms[len(same):]), forms
    primary = task.primary_metric
    assert len({v.scores[primary] for v in verdicts[: len(same)]}) == 1


def test_lr2bench_forms_keep_what_each_reading_compares(fixtures_dir):
    for reading in ("upstream", "strict"):
        task = get_task("lr2bench", {"level": "5_5,easy,4_4,4_4_easy", "scoring": reading})
        samples = {s["id"]: s for s in task.family.load(str(fixtures_dir / "lr2bench" / "data"), task.config)}
        crossword = samples["crossword/5_5/FX001"]
        texts = ["<Answer>{'1-Across': 'cat', '4-Across': 'A R E'}</Answer>",
                 "<Answer>{'1-ACROSS': 'CAT', '4-across': 'are'}</Answer>"]
        verdicts = [task.family.score(task.config, crossword, t) for t in texts]
        forms = [task.canonical_answer(crossword, v.answer) for v in verdicts]
        assert forms[0] == forms[1] and verdicts[0].scores == verdicts[1].scores, reading


def test_a_canonical_group_always_shares_its_score():
    """Over many random Countdown answers: two completions with one canonical form get the same
    accuracy and reward (the form keeps everything the verifier reads)."""
    task = get_task("countdown")
    rng = random.Random(5)
    sample = {"id": "c", "nums": [2, 3, 4, 6], "target": 24}
    pieces = ["2", "3", "4", "6", "02", "1", "+", "-", "*", "/", "(", ")", " ", "\n"]
    by_form: dict[str, set] = {}
    for _ in range(3000):
        expression = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        verdict = task.family.score(task.config, sample, f"<answer>{expression}</answer>")
        if verdict.answer is None:
            continue
        form = repr(task.canonical_answer(sample, verdict.answer))
        by_form.setdefault(form, set()).add((verdict.scores["accuracy"], verdict.scores["reward"]))
    assert len(by_form) > 100 and all(len(scores) == 1 for scores in by_form.values())


def test_ties_share_the_credit_and_order_never_matters():
    right, wrong = Verdict("yes", {"accuracy": 1.0}), Verdict("no", {"accuracy": 0.0})
    assert majority_answer_score([right, wrong], "accuracy") == majority_answer_score([wrong, right], "accuracy") == 0.5
    assert majority_answer_score([right, wrong, wrong], "accuracy") == 0.0
    assert majority_answer_score([Verdict(None, {"accuracy": 1.0})], "accuracy") == 0.0
    rng = random.Random(3)
    for _ in range(300):
        verdicts = [Verdict(rng.choice(["a", "b", "c", None]), {"accuracy": float(rng.random() < 0.5)})
                    for _ in range(rng.randint(1, 6))]
        values = {majority_answer_score(list(order), "accuracy") for order in itertools.permutations(verdicts)}
        assert len(values) == 1, verdicts


def test_maj_at_n_with_a_tie_is_a_share_in_the_table():
    task = get_task("counterbench")
    sample = {"id": "q", "answer": "yes", "type": "basic", "num_variables": 5}
    rows = task_rows(task, [scored(task, sample, ["Yes.", "No."]), scored(task, sample, ["No.", "Yes."])])
    majority = rows[0]["metrics"]["maj@2"]
    assert majority.value == 0.5 and 0.0 <= majority.ci_low <= 0.5 <= majority.ci_high <= 1.0
