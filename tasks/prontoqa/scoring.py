"""Scores one completion: its True/False label and its chain of thought, step by step.

The label and the proof are read as the authors' code reads them (run_experiment.py's
parse_response / evaluate_response; tests/test_prontoqa_reference.py checks the two agree): the
text is cut at the first "Q:", the label is the last space-separated word (so "False" counts and
"False." does not, as in the paper's grading), the proof is the sentences before it. Beside the
paper's readings sit our own, named as such: a lenient label (the last True/False word anywhere,
punctuation ignored) and a stricter proof accuracy (every step valid, not only those on the way).
"""

from __future__ import annotations

import re
from typing import Any

from harness.core.metric_spec import Metric, binary, fraction
from harness.core.types import Sample, Verdict
from tasks.prontoqa.config import PrOntoQAConfig
from tasks.prontoqa.lexicon import Lexicon
from tasks.prontoqa.parse import parse_text
from tasks.prontoqa.proof_check import ProofGrade, check_proof

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "correct", "right"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "incorrect", "wrong"})
_LAST_LABEL = re.compile(r"\b(true|false)\b", re.IGNORECASE)
MAX_TEXT = 200_000  # a completion longer than this is graded on its first 200k characters

LABEL_METRICS = (
    binary("label_accuracy", "the True/False label is right, read as the paper's code reads it (the last word; 'False.' is no label)"),
    binary("label_accuracy_lenient", "ours: the last True/False word anywhere in the answer is right (punctuation and case ignored)"),
)
PROOF_METRICS = (
    binary("proof_accuracy", "the paper's strict proof accuracy: the gold conclusion is derived through strictly valid, atomic steps"),
    binary("proof_accuracy_broad", "the paper's broad proof accuracy: the conclusion is derived, non-atomic and skip steps allowed"),
    binary("proof_accuracy_every_step", "ours, stricter: the conclusion is derived strictly and every step of the chain is strictly valid"),
    binary("wrong_turn", "the chain takes a misleading step: a context rule about the last proven concept that leaves the gold proof",
           higher_is_better=False),
    fraction("valid_step_share", "share of the chain's steps that are strictly valid (misleading ones included; 0 without steps)"),
    fraction("misleading_step_share", "share of the chain's steps that are misleading (wrong turns)", higher_is_better=False),
    fraction("invalid_step_share", "share of the chain's steps that are invalid or unparseable", higher_is_better=False),
)


def prontoqa_metrics(cfg: PrOntoQAConfig) -> tuple[Metric, ...]:
    return (LABEL_METRICS + PROOF_METRICS) if cfg.labelled else PROOF_METRICS


def prontoqa_primary_metric(cfg: PrOntoQAConfig) -> str:
    return "label_accuracy" if cfg.labelled else "proof_accuracy"


def split_label(text: str) -> tuple[str, str]:
    """(the proof text, the label word) as the paper's parse_response splits a completion."""
    cut = text.find("Q:")
    if cut != -1:
        text = text[:cut]
    text = text.rstrip()
    label_at = text.rfind(" ")
    last_period = text.rfind(".")
    if last_period > label_at and text[label_at:last_period].strip().lower() not in TRUE_WORDS | FALSE_WORDS:
        label_at = last_period + 1
    return text[:label_at], text[label_at + 1 :].lower()


def label_value(word: str) -> str | None:
    """'True', 'False' or None for a label word."""
    if word in TRUE_WORDS:
        return "True"
    if word in FALSE_WORDS:
        return "False"
    return None


def lenient_label(text: str) -> str | None:
    cut = text.find("Q:")
    matches = _LAST_LABEL.findall(text[:cut] if cut != -1 else text)
    return matches[-1].capitalize() if matches else None


def sample_lexicon(sample: Sample) -> Lexicon:
    return Lexicon.from_json(sample["lexicon"])


def grade_chain(sample: Sample, proof_text: str) -> ProofGrade:
    """The step-by-step grade of a chain of thought against the sample's context and gold proof."""
    lexicon = sample_lexicon(sample)
    axioms = [step for step in parse_text(sample["question"], lexicon) if step is not None]
    gold = [step for step in parse_text(" ".join(sample["chain_of_thought"]), lexicon) if step is not None]
    return check_proof(parse_text(proof_text, lexicon), axioms, gold)


def proof_scores(grade: ProofGrade) -> dict[str, float]:
    n = grade.n_steps
    every_step = grade.found_conclusion and not (grade.incorrect or grade.non_atomic or grade.skip)
    return {
        "proof_accuracy": float(grade.found_conclusion),
        "proof_accuracy_broad": float(grade.broadly_found),
        "proof_accuracy_every_step": float(every_step),
        "wrong_turn": float(bool(grade.wrong_branch)),
        "valid_step_share": (len(grade.correct) + len(grade.contradictions)) / n if n else 0.0,
        "misleading_step_share": len(grade.wrong_branch) / n if n else 0.0,
        "invalid_step_share": len(grade.incorrect) / n if n else 0.0,
    }


def score_prontoqa_response(cfg: PrOntoQAConfig, sample: Sample, text: str) -> Verdict:
    """Label and proof metrics of one completion; total: any text gets a verdict."""
    text = text[:MAX_TEXT] if isinstance(text, str) else ""
    gold_label = sample.get("answer")
    if gold_label is None:  # a proof-only question ("Prove: ..."): the whole text is the proof
        grade = grade_chain(sample, split_label(text)[0])
        scores = proof_scores(grade)
        return Verdict(answer="proved" if grade.broadly_found else ("unproved" if grade.n_steps else None), scores=scores)
    proof_text, word = split_label(text)
    label = label_value(word)
    lenient = lenient_label(text)
    scores = {"label_accuracy": float(word in (TRUE_WORDS if gold_label == "True" else FALSE_WORDS)),
              "label_accuracy_lenient": float(lenient == gold_label)}
    scores.update(proof_scores(grade_chain(sample, proof_text)))
    return Verdict(answer=label, scores=scores)


def prontoqa_group_keys(sample: Sample) -> dict[str, str]:
    return {"hops": str(sample.get("hops", "?"))}


def prontoqa_chance_level(cfg: PrOntoQAConfig) -> float | None:
    return 0.5 if cfg.labelled else None


def prontoqa_gold(sample: Sample) -> Any:
    return {"answer": sample.get("answer"), "proof": " ".join(sample.get("chain_of_thought", []))}
