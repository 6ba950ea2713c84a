"""LR2Bench scoring of one response: which subtasks are right, and the per-item metrics.

Two readings, chosen by the `scoring` setting:
  upstream (default)  the authors' own scripts, rule for rule: tasks.lr2bench.upstream
  strict              the project's stricter reading, below

Subtasks (both readings; protocols.md section 4):
  crossword, acrostic, cryptogram  every entry of the gold dict (keys compared lower-cased)
  logic                            every non-key attribute of every gold row; a gold row is matched
                                   to the first answer row with the same value for the gold row's
                                   first key
  sudoku                           every cell that is empty (0) in the puzzle
  drop                             every cell of the gold grid that is not "#"
Strict reading: case-sensitive tags, a non-empty parsed container needed for CR, and values and
cells compared as str(value).lower() with spaces removed for all six tasks (the logic gold differs
in case from the listed options in 949 of 4,400 cells, so a case-sensitive match would fail correct
answers; upstream lower-cases logic but keeps its spaces, and compares sudoku and drop cells raw).

Per item: completion_ratio (the answer is non-empty), subtask_accuracy (correct / subtasks),
exact_match (all correct), partial_match_0.5 (at least half correct). The level's pooled S-Acc and
the task/overall means are computed in tasks.lr2bench.aggregate.
"""

from __future__ import annotations

from typing import Any

from harness.core.metric_spec import binary, fraction
from harness.core.types import Sample, Verdict
from harness.parsing.safe_literal import to_json_safe
from tasks.lr2bench.config import LR2BenchConfig
from tasks.lr2bench.extraction import extract_answer, extract_answer_text, last_delimited
from tasks.lr2bench.spec import TASK_SPECS
from tasks.lr2bench.upstream import upstream_verdict

METRICS = ("completion_ratio", "subtask_accuracy", "exact_match", "partial_match_0.5")
LR2BENCH_METRICS = (
    binary("completion_ratio", "CR: an answer was extracted (non-empty) from the response"),
    fraction("subtask_accuracy", "S-Acc: correct subtasks / all subtasks (pooled over a level's items)"),
    binary("exact_match", "EM: every subtask of the item is correct"),
    binary("partial_match_0.5", "PM-0.5: at least half of the item's subtasks are correct"),
)
PRIMARY_METRIC = "exact_match"


def normalize(value: Any) -> str:
    """The comparison form of a value: str(), lower-cased, spaces removed."""
    return str(value).lower().replace(" ", "")


def count_subtasks(task: str, gold: Any) -> int:
    """How many subtasks the gold answer has (the denominator of S-Acc)."""
    kind = TASK_SPECS[task].answer_kind
    if kind == "dict":
        return len(gold)
    if kind == "rows":
        return sum(max(0, len(row) - 1) for row in gold)
    if task == "sudoku":
        return sum(1 for row in gold["grid"] for cell in row if cell == 0)
    return sum(1 for row in gold for cell in row if cell != "#")


def count_correct(task: str, gold: Any, answer: Any) -> int:
    """How many of the gold's subtasks the parsed answer gets right (0 for the empty answer)."""
    if answer is None:
        return 0
    kind = TASK_SPECS[task].answer_kind
    if kind == "dict":
        return _correct_entries(gold, answer)
    if kind == "rows":
        return _correct_rows(gold, answer)
    if task == "sudoku":
        empty = [[cell == 0 for cell in row] for row in gold["grid"]]
        return _correct_cells(gold["answer"], answer, lambda r, c: empty[r][c])
    return _correct_cells(gold, answer, lambda r, c: gold[r][c] != "#")


def _lowered_keys(mapping: dict) -> dict[str, Any]:
    """Keys lower-cased; when two keys differ only in case the later one wins, as in a dict
    comprehension over the answer."""
    return {str(key).lower(): value for key, value in mapping.items()}


def _correct_entries(gold: dict, answer: Any) -> int:
    if not isinstance(answer, dict):
        return 0
    given = _lowered_keys(answer)
    correct = 0
    for key, value in gold.items():
        lowered = str(key).lower()
        if lowered in given and normalize(given[lowered]) == normalize(value):
            correct += 1
    return correct


def _correct_rows(gold: list[dict], answer: Any) -> int:
    if not isinstance(answer, list):
        return 0
    rows = [_lowered_keys(row) for row in answer if isinstance(row, dict)]
    correct = 0
    for gold_row in gold:
        items = list(gold_row.items())
        if not items:
            continue
        first_key, first_value = str(items[0][0]).lower(), normalize(items[0][1])
        match = next(
            (row for row in rows if first_key in row and normalize(row[first_key]) == first_value), None
        )
        if match is None:
            continue
        for key, value in items[1:]:
            lowered = str(key).lower()
            if lowered in match and normalize(match[lowered]) == normalize(value):
                correct += 1
    return correct


def _correct_cells(gold_grid: list[list[Any]], answer: Any, counts) -> int:
    if not isinstance(answer, list):
        return 0
    correct = 0
    for r, gold_row in enumerate(gold_grid):
        answer_row = answer[r] if r < len(answer) else None
        for c, gold_cell in enumerate(gold_row):
            if not counts(r, c):
                continue
            if isinstance(answer_row, list) and c < len(answer_row):
                correct += normalize(answer_row[c]) == normalize(gold_cell)
    return correct


def item_metrics(correct: int, total: int, completed: bool) -> dict[str, float]:
    """The four per-item numbers from the subtask counts."""
    share = correct / total if total else 0.0
    return {
        "completion_ratio": float(completed),
        "subtask_accuracy": share,
        "exact_match": float(total > 0 and correct == total),
        "partial_match_0.5": float(total > 0 and share >= 0.5),
    }


def score_lr2bench_response(cfg: LR2BenchConfig, sample: Sample, text: str) -> Verdict:
    """Extract, parse and score one completion. Total: any text gets a verdict, nothing is run."""
    if cfg.scoring == "strict":
        return score_strict(cfg, sample, text)
    task = sample["task"]
    verdict = upstream_verdict(task, sample["gold"], text, require_tag=cfg.require_answer_tag)
    total = count_subtasks(task, sample["gold"])
    scores = {
        "completion_ratio": float(verdict.completed),
        "subtask_accuracy": verdict.correct / total if total else 0.0,
        "exact_match": float(verdict.exact),
        "partial_match_0.5": float(verdict.half),
    }
    # no answer found (the default text) and text eval would fail on are both "unparseable"
    answer = to_json_safe(verdict.value) if verdict.parsed and verdict.completed else None
    return Verdict(answer=answer, scores=scores)


def why_lr2bench_unparseable(cfg: LR2BenchConfig, sample: Sample, text: str) -> str:
    """Why no answer was read (the report's failure summary), in the strict reading's steps: the
    answer block, the bracketed value inside it, a literal of the right, non-empty kind."""
    spec = TASK_SPECS[sample["task"]]
    tag = f"<{spec.answer_tag}>"
    opener, closer = spec.bracket
    if last_delimited(text, tag, f"</{spec.answer_tag}>") is None and cfg.require_answer_tag:
        return f"no {tag}...</{spec.answer_tag}> block"
    literal = extract_answer_text(sample["task"], text, cfg.require_answer_tag)
    if literal is None:
        return f"no {opener}...{closer} inside the {tag} block"
    return f"the {opener}...{closer} in the {tag} block is empty, not a literal, or not a {spec.answer_kind}"


def score_strict(cfg: LR2BenchConfig, sample: Sample, text: str) -> Verdict:
    """The strict reading (`scoring=strict`)."""
    task = sample["task"]
    answer = extract_answer(task, text, require_tag=cfg.require_answer_tag)
    total = count_subtasks(task, sample["gold"])
    correct = count_correct(task, sample["gold"], answer)
    scores = item_metrics(correct, total, completed=answer is not None)
    return Verdict(answer=None if answer is None else to_json_safe(answer), scores=scores)


DICT_TASKS = ("crossword", "acrostic", "cryptogram")


def lr2bench_canonical_answer(cfg: LR2BenchConfig, sample: Sample, answer: Any) -> Any:
    """What maj@k votes on: the parsed answer in the form the scoring reading compares, so answers
    that differ only where the scorer does not look are one answer. Keys lower-cased (both readings);
    crossword/acrostic/cryptogram values lower-cased without spaces (both); logic values lower-cased,
    spaces kept (upstream) or removed (strict); sudoku/drop cells raw (upstream compares with ==) or
    normalised (strict)."""
    task = sample.get("task")
    strict = cfg.scoring == "strict"

    def cell(value: Any) -> Any:
        if strict or task in DICT_TASKS:
            return normalize(value)
        if task == "logic":
            return str(value).lower()
        return value

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(key).lower(): walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return cell(value)

    return walk(answer)
