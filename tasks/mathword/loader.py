"""Loading math word problems in their original formats (via --data, or the hub when online):

- GSM8K's own JSONL (github openai/grade-school-math, hub ``openai/gsm8k`` config "main"):
  ``{"question", "answer"}`` where the answer is the worked solution ending in ``#### 18``;
- FOBAR's cleaned JSON (github ws-jiang/fobar-public, data/gsm8k_test-cleaned.json and the other
  *-cleaned.json): a list of ``{"question", "answer": "18", "answer_detail"}``;
- FOBAR's backward-question JSON (data/*-cleaned-backward-questions.json): the same records repeated
  once per masked number, with ``inverse_question`` and ``inverse_question_answer``; the repeats
  become one sample carrying the authors' masks (``masked``), used as given by the fobar strategy.

Gold answers are normalized the way answers are read (commas dropped, "18.0" -> "18"). A sample's id
is the record's own ``id`` when it has one, else ``<family>-<position>`` (0-based, in file order).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from harness.core.data import read_records
from harness.core.types import Sample
from tasks.mathword.config import GSM8KConfig
from tasks.mathword.extraction import NUMBER_WORDS, gold_number

HUB_ID = "openai/gsm8k"
HUB_SUBSET = "main"
SOLUTION_MARK = "####"


def default_gsm8k_source(cfg: GSM8KConfig) -> str:
    return HUB_ID


def load_gsm8k(source: str, cfg: GSM8KConfig) -> Iterator[Sample]:
    """Samples of a GSM8K / FOBAR file or of the hub split ``cfg.split``."""
    samples: list[Sample] = []
    by_question: dict[str, Sample] = {}  # FOBAR's backward files repeat a question once per mask
    for index, row in read_records(source, split=cfg.split, subset=HUB_SUBSET if source == HUB_ID else None):
        try:
            sample = math_sample(row, f"gsm8k-{len(samples)}")
        except KeyError as exc:
            raise index.error(f"not a GSM8K or FOBAR record: missing field {exc}") from None
        except (TypeError, ValueError) as exc:
            raise index.error(f"not a GSM8K or FOBAR record: {exc}") from None
        if "inverse_question" not in row:
            samples.append(sample)
            continue
        known = by_question.get(sample["question"])
        if known is None:
            known = by_question[sample["question"]] = sample
            samples.append(sample)
        elif known["answer"] != sample["answer"]:
            raise index.error(f"the question was given before with the answer {known['answer']}, here {sample['answer']}")
        known.setdefault("masked", []).append(_mask(row))
    yield from samples


def math_sample(row: Mapping[str, Any], default_id: str) -> Sample:
    """A sample from one record of either format (KeyError/ValueError name what is wrong)."""
    question = _text(row, "question")
    answer = row["answer"]
    if isinstance(answer, (int, float)) and not isinstance(answer, bool):
        answer = str(answer)
    if not isinstance(answer, str) or not answer.strip():
        raise ValueError("'answer' must be a number or a solution ending in '#### <number>'")
    solution = row.get("answer_detail") if isinstance(row.get("answer_detail"), str) else None
    if SOLUTION_MARK in answer:
        solution, answer = answer, answer.rsplit(SOLUTION_MARK, 1)[1]
    gold = gold_number(answer)
    try:
        float(gold)
    except ValueError:
        raise ValueError(f"the gold answer must be a number, got {answer.strip()[:40]!r}") from None
    sample: Sample = {"id": str(row["id"]) if row.get("id") is not None else default_id, "question": question, "answer": gold}
    if solution:
        sample["solution"] = solution
    return sample


def _mask(row: Mapping[str, Any]) -> dict[str, str]:
    """One of the authors' masks; a value given as a word ("three") reads as its digits, as their code does."""
    value = row["inverse_question_answer"]
    value = str(value).strip() if value is not None else ""
    return {"text": _text(row, "inverse_question"), "value": str(NUMBER_WORDS.get(value, value))}


def _text(row: Mapping[str, Any], key: str) -> str:
    value = row[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"'{key}' must be non-empty text")
    return value.strip()
