"""Math word problems, FOBAR's home ground (Jiang et al. 2024): GSM8K in its original formats, and
arith-word, fresh problems from a seeded generator, so the backward-verification study runs offline.
Both read answers as FOBAR's code does and declare how a number of the question is masked (the
``fobar`` strategy's backward check)."""

from harness.core.masking import Masking
from harness.core.registry import Family, register
from tasks.mathword.config import ArithWordConfig, GSM8KConfig
from tasks.mathword.generator import generate_arith_word
from tasks.mathword.loader import default_gsm8k_source, load_gsm8k
from tasks.mathword.masking import masked_questions
from tasks.mathword.plots import math_plots
from tasks.mathword.prompts import build_backward_request, build_forward_request
from tasks.mathword.scoring import MATH_METRICS, backward_value, score_math_answer

MASKING = Masking(questions=masked_questions, request=build_backward_request, extract=backward_value)


def _question(cfg: object, sample: dict) -> str:
    return str(sample["question"])


def _gold(sample: dict) -> str:
    return str(sample["answer"])


# what both families share: FOBAR's prompts, answer reading, metric and backward check
SHARED = dict(build_request=build_forward_request, primary_metric="accuracy", metrics=MATH_METRICS, score=score_math_answer,
              gold=_gold, question_text=_question, masking=MASKING, plots=math_plots)

GSM8K = register(Family(
    name="gsm8k",
    description="GSM8K grade-school math (original JSONL, FOBAR's JSON or hub openai/gsm8k); FOBAR's numeric answer reading",
    config=GSM8KConfig, load=load_gsm8k, default_source=default_gsm8k_source,
    examples=lambda cfg: [generate_arith_word(ArithWordConfig(), 0, i) for i in range(3)],  # made-up, same schema
    **SHARED,  # type: ignore[arg-type]
))

ARITH_WORD = register(Family(
    name="arith-word",
    description="fresh arithmetic word problems (seeded generator, exact answers, 3-4 numbers to mask); GSM8K's prompt and reading",
    config=ArithWordConfig, generate=generate_arith_word,
    **SHARED,  # type: ignore[arg-type]
))
