"""The math word-problem families (tasks/mathword): GSM8K's and FOBAR's file formats (project-written
fixtures in the same schemas), the arith-word generator (exact answers, every number maskable),
FOBAR's answer reading on hostile text, the prompts, and the masking hook."""

from __future__ import annotations

import json
import time

import pytest

import harness
from harness.core.errors import HarnessError
from tasks.mathword.extraction import BACKWARD_CUE, clean_answer, normalize_number
from tasks.mathword.generator import TEMPLATES
from tasks.mathword.masking import mask_numbers
from tests.conftest import FIXTURES_DIR, REFERENCE_DIR

MATH = FIXTURES_DIR / "mathword"


def load(path, **settings):
    task = harness.get_task("gsm8k", settings)
    return task, harness.load_samples(task, seed=0, limit=None, data=str(path))


def test_gsm8k_jsonl_reads_the_gold_after_the_hashes():
    _, samples = load(MATH / "gsm8k.jsonl")
    assert [(s["id"], s["answer"]) for s in samples] == [("gsm8k-0", "16"), ("gsm8k-1", "20"), ("gsm8k-2", "1550")]
    assert samples[0]["solution"].endswith("#### 16") and "masked" not in samples[0]


def test_fobar_cleaned_json_and_its_backward_questions():
    _, cleaned = load(MATH / "fobar_cleaned.json")
    assert [s["answer"] for s in cleaned] == ["16", "10"]  # "10.0" reads as the answers do
    task, backward = load(MATH / "fobar_backward_questions.json")
    assert len(backward) == 2  # one sample per question, however many masks it was repeated for
    masks = task.family.masking.questions(task.config, backward[0])
    assert [(m.text.split(" of ")[0], m.value) for m in masks] == [("Lena bakes x trays", "3"), ("Lena bakes 3 trays", "12")]
    assert [m.value for m in task.family.masking.questions(task.config, backward[1])] == ["5"]  # "five", as the authors map it
    ours = task.family.masking.questions(task.config, cleaned[0])  # no masks in the file: every number of the question
    assert [m.value for m in ours] == ["3", "12", "20"]


@pytest.mark.parametrize(("record", "message"), [
    ({"question": "How many?"}, "missing field 'answer'"),
    ({"question": "How many?", "answer": "Lots.\n#### many"}, "the gold answer must be a number"),
    ({"question": "", "answer": "3"}, "'question' must be non-empty text"),
])
def test_a_bad_record_is_named_in_one_line(tmp_path, record, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"question": "Fine? 1", "answer": "#### 1"}) + "\n" + json.dumps(record) + "\n")
    with pytest.raises(HarnessError, match=rf"bad.jsonl:2: not a GSM8K or FOBAR record: {message}"):
        load(path)


def test_a_question_repeated_with_another_answer_is_refused(tmp_path):
    rows = json.loads((MATH / "fobar_backward_questions.json").read_text())
    rows[1]["answer"] = "17"
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(rows))
    with pytest.raises(HarnessError, match="record 2: the question was given before with the answer 16, here 17"):
        load(path)


def test_gsm8k_without_data_names_the_hub_id_and_how_to_run_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(HarnessError, match="dataset hub id 'openai/gsm8k' needs the network.*--data PATH"):
        harness.load_samples(harness.get_task("gsm8k"), seed=0, limit=2)


@pytest.mark.parametrize(("text", "answer"), [
    ("so 3 * 12 = 36. The answer is 16.", "16"), ("The answer is $1,550.00.", "1550"), ("The answer is 0.50", "0.5"),
    ("I think 12, then 14", "14"), ("The answer is 5. Then 7 more.\nThe answer is 9", "9"), ("no digits", None),
    ("The answer is -3.", "-3"), ("The answer is 3/4", "3/4"), ("The answer is 12/.", "12"),
])
def test_answers_are_read_as_fobar_reads_them(text, answer):
    assert clean_answer(text) == answer


def test_hostile_answers_get_a_verdict_quickly():
    task = harness.get_task("arith-word")
    sample = harness.load_samples(task, seed=0, limit=1)[0]
    for text in ["9" * 1_000_000, "The answer is " * 100_000, "[" * 50_000 + "1" + "]" * 50_000, "١٢٣ ½ 𝟡", "\x00\ud800 7",
                 "1" * 400 + "." + "0" * 400, "The value of x is " + "1,0" * 50_000]:
        started = time.perf_counter()
        verdict = task.family.score(task.config, sample, text)
        assert time.perf_counter() - started < 1.0 and verdict.scores["accuracy"] in (0.0, 1.0)
        clean_answer(text, BACKWARD_CUE)
    assert normalize_number("1" * 400) == "inf" and normalize_number("1e400") == "inf"


def test_arith_word_is_deterministic_and_exact():
    task = harness.get_task("arith-word")
    first = harness.load_samples(task, seed=3, limit=40)
    assert first == harness.load_samples(task, seed=3, limit=40)
    assert first != harness.load_samples(task, seed=4, limit=40)
    assert len({s["template"] for s in first}) >= 8  # the templates are all in use
    for sample in first:
        numbers, template = sample["numbers"], TEMPLATES[sample["template"]]
        assert len(set(numbers)) == len(numbers) and all(2 <= n <= 20 for n in numbers)
        assert str(template.answer(*numbers)) == sample["answer"] and int(sample["answer"]) > 0
        masks = task.family.masking.questions(task.config, sample)
        assert [int(m.value) for m in masks] == numbers  # every number, and only the numbers, can be masked
        for position, masked in enumerate(masks):
            assert masked.text.count("x") - sample["question"].count("x") == 1
            # the answer determines the hidden number: no other value in a wide range gives it
            solutions = [x for x in range(1, 400) if template.answer(*numbers[:position], x, *numbers[position + 1:])
                         == int(sample["answer"])]
            assert solutions == [numbers[position]], (sample["question"], position, solutions)


def test_the_prompts_follow_fobars_layout(tmp_path):
    task = harness.get_task("arith-word")
    sample = harness.load_samples(task, seed=0, limit=1)[0]
    request = task.family.build_request(task.config, sample)
    assert request.prompt.endswith(f"\n\nQuestion: {sample['question']}\nA:") and request.prompt.startswith("Question: A library")
    assert request.messages == ({"role": "user", "content": request.prompt},) and request.settings.stop == ("\nQuestion:",)
    masked = task.family.masking.questions(task.config, sample)[1]
    backward = task.family.masking.request(task.config, sample, masked, "35")
    assert backward.prompt.endswith(f"\n\nQuestion: {masked.text}\nIf we know the answer of the above question is 35,"
                                    " what is the value of unknown variable x?\nA:")
    assert "The value of x is 45." in backward.prompt  # our exemplars end their chains the way chains are read
    exemplars = tmp_path / "mine.txt"
    exemplars.write_text("\nQuestion: 1 + 1?\nA: The answer is 2.\n\n")
    mine = harness.get_task("arith-word", {"forward_prompt": str(exemplars)})
    assert mine.family.build_request(mine.config, sample).prompt.startswith("Question: 1 + 1?\nA: The answer is 2.\n\nQuestion: ")
    with pytest.raises(HarnessError, match="forward_prompt must be 'ours' or the path of a few-shot exemplar file"):
        harness.get_task("gsm8k", {"forward_prompt": str(tmp_path / "missing.txt")})


@pytest.mark.skipif(not (REFERENCE_DIR / "upstream" / "fobar" / "configs").is_dir(), reason="FOBAR's configs are not in ../shared")
def test_the_authors_exemplar_files_load_by_path():
    configs = REFERENCE_DIR / "upstream" / "fobar" / "configs"
    task = harness.get_task("gsm8k", {"forward_prompt": str(configs / "cot_gsm8k.txt"),
                                      "backward_prompt": str(configs / "backward_cot_gsm8k.txt")})
    sample = {"id": "q", "question": "Tom has 3 cats and 4 dogs. How many pets?", "answer": "7"}
    forward = task.family.build_request(task.config, sample).prompt
    assert forward == (configs / "cot_gsm8k.txt").read_text().strip() + f"\n\nQuestion: {sample['question']}\nA:"
    masked = task.family.masking.questions(task.config, sample)[0]
    backward = task.family.masking.request(task.config, sample, masked, "7").prompt
    assert backward.startswith((configs / "backward_cot_gsm8k.txt").read_text().strip()[:200])
    assert backward.endswith("Question: Tom has x cats and 4 dogs. How many pets?\nIf we know the answer of the above question"
                             " is 7, what is the value of unknown variable x?\nA:")


def test_masking_is_declared_only_where_it_makes_sense():
    from harness.study import families

    declared = {family.name for family in families() if family.masking is not None}
    assert {"gsm8k", "arith-word"} <= declared and not declared & {"countdown", "sudoku", "counterbench", "lr2bench"}
    countdown = harness.get_task("countdown-3")
    sample = harness.load_samples(countdown, seed=0, limit=1)[0]
    assert countdown.question_text(sample).startswith("Using the numbers")  # the default: the last user message
    assert [m.value for m in mask_numbers("At 1:00 PM, 3 boxes of 1,200 cost $2.50; 12-mile walk")] == ["3", "1200", "2.5", "12"]
