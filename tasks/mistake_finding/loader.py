"""Loader of BIG-Bench Mistake's original files (github.com/WHGTyen/BIG-Bench-Mistake, Apache-2.0).

``--data`` is the user's clone of the repository (its five <task>.jsonl files, and the paper's
prompts in mistake_finding_prompts/ when present) or one <task>.jsonl file. A line is
{input, steps: [...], answer, target, mistake_index: 0-based or null}; a sample keeps those fields
and adds its id ("<task>-<line>"), ``source_task`` and which prompts ask it (``prompts``: "paper"
or "ours", tasks.mistake_finding.prompt_files). Every field is checked, and a bad line is named.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from harness.core.data import iter_jsonl
from harness.core.errors import HarnessError
from harness.core.types import Sample
from tasks.mistake_finding.config import SOURCE_TASKS, MistakeFindingConfig
from tasks.mistake_finding.prompt_files import paper_prompts, prompt_fields

REPOSITORY = "github.com/WHGTyen/BIG-Bench-Mistake"
MAX_STEPS = 1000


def load_mistake_traces(source: str, cfg: MistakeFindingConfig) -> Iterator[Sample]:
    files, root = _files(Path(source).expanduser(), cfg)
    fields = prompt_fields(cfg.prompts, root)
    if fields["prompts"] == "paper":
        for task, _ in files:
            paper_prompts(fields["prompt_root"], task)  # a missing or malformed prompt file fails before any request
    for task, path in files:
        for line, row in iter_jsonl(path):
            try:
                sample = trace_sample(task, row)
            except (KeyError, TypeError, ValueError) as exc:
                detail = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
                raise HarnessError(f"{path}:{line}: not a BIG-Bench Mistake trace: {detail}") from None
            yield {"id": f"{task}-{line:04d}", **sample, **fields}


def _files(path: Path, cfg: MistakeFindingConfig) -> tuple[list[tuple[str, Path]], Path]:
    if path.is_dir():
        files = [(task, path / f"{task}.jsonl") for task in cfg.tasks if (path / f"{task}.jsonl").is_file()]
        if not files:
            raise HarnessError(f"--data {path}: no BIG-Bench Mistake files there (expected <task>.jsonl for"
                               f" {', '.join(cfg.tasks)}); give your clone of {REPOSITORY}")
        return files, path
    if not path.is_file():
        raise HarnessError(f"--data {path}: no such file or folder; give your clone of {REPOSITORY} or one of its .jsonl files")
    task = path.stem
    if task not in SOURCE_TASKS:
        raise HarnessError(f"--data {path}: cannot tell which task it holds; name it <task>.jsonl with task one of"
                           f" {', '.join(SOURCE_TASKS)}, or give the repository folder")
    if task not in cfg.tasks:
        raise HarnessError(f"--data {path} holds {task}, which this task leaves out (source_tasks: {', '.join(cfg.tasks)})")
    return [(task, path)], path.parent


def trace_sample(task: str, row: Mapping[str, Any]) -> Sample:
    """The checked fields of one line (ValueError / KeyError say what is wrong)."""
    steps = row["steps"]
    if not isinstance(steps, list) or not steps or not all(isinstance(s, str) for s in steps):
        raise ValueError("'steps' must be a non-empty list of strings")
    if len(steps) > MAX_STEPS:
        raise ValueError(f"'steps' has {len(steps)} steps, more than {MAX_STEPS}")
    mistake = row["mistake_index"]
    if mistake is not None and (isinstance(mistake, bool) or not isinstance(mistake, int) or not 0 <= mistake < len(steps)):
        raise ValueError(f"'mistake_index' must be null or a step index 0..{len(steps) - 1}, got {mistake!r}")
    return {
        "source_task": task,
        "input": _text(row, "input"),
        "steps": list(steps),
        "answer": _optional_text(row, "answer"),
        "target": _text(row, "target"),
        "mistake_index": mistake,
    }


def _text(row: Mapping[str, Any], key: str) -> str:
    value = row[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"'{key}' must be non-empty text")
    return value


def _optional_text(row: Mapping[str, Any], key: str) -> str | None:
    value = row.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"'{key}' must be text or null")
    return value


def default_source(cfg: MistakeFindingConfig) -> str | None:
    """Original traces come only from the user's copy: say where to get it."""
    if cfg.source == "generated":
        return None
    raise HarnessError(f"mistake-finding reads BIG-Bench Mistake's files: pass --data to your clone of {REPOSITORY}"
                       " (or one of its .jsonl files); mistake-finding-generated needs no data")
