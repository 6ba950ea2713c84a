"""Countdown (TinyZero / Stream of Search): reach a target from N numbers with + - * /."""

from harness.core.registry import Family, register
from tasks.countdown.config import CountdownConfig
from tasks.countdown.generator import generate_countdown
from tasks.countdown.loader import load_countdown
from tasks.countdown.plots import countdown_plots
from tasks.countdown.prompts import build_countdown_request
from tasks.countdown.scoring import COUNTDOWN_METRICS, countdown_canonical_answer, score_countdown_response, why_countdown_unparseable
from tasks.countdown.traces import countdown_judge_problem, stream_of_search_markers


def countdown_gold(sample):
    """What the report shows as gold: the stored solution with its target ('(6 - 2) * 6 = 24'), or
    the target alone for data without one (TinyZero's files)."""
    return f"{sample['solution']} = {sample['target']}" if sample.get("solution") else sample["target"]


FAMILY = register(
    Family(
        name="countdown",
        description="Countdown arithmetic puzzles (TinyZero wording, exact with template=qwen-instruct/base; AST verifier + tinyzero_reward)",
        config=CountdownConfig,
        build_request=build_countdown_request,
        primary_metric="accuracy",
        metrics=COUNTDOWN_METRICS,
        score=score_countdown_response,
        canonical_answer=countdown_canonical_answer,  # maj@k votes on (value, numbers used)
        generate=generate_countdown,
        load=load_countdown,
        search_prompt_settings={"prompt_style": "backtrack"},  # the search study's sequential prompt
        trace_markers=("</answer>",),  # where an answer can be complete inside a longer completion
        answer_cue="<answer>",  # what budget forcing appends to begin the answer
        behaviour_markers=stream_of_search_markers,  # "No Solution", "Moving to Node", "Goal Reached" lines
        judge_problem=countdown_judge_problem,  # numbers and target, in Gandhi et al.'s judge prompts and in words
        gold=countdown_gold,
        why_unparseable=why_countdown_unparseable,
        plots=countdown_plots,
        variants={
            "countdown-3": {"n_numbers": 3},
            "countdown-5": {"n_numbers": 5},
        },
    )
)
