"""Loading LR2Bench in its original layout, from a local folder or the dataset hub.

Layout (github ZNLP/LR2Bench, data/):
    data/answer.json                      {task: [{"tag", "level", "answer": JSON string}]}
    data/<i>-<task>/<level>/data.jsonl    one puzzle per line, with "tag" and "example_text"
    data/<i>-<task>/<level>/prompt.json   {"zero_shot": [messages], "two_shot": [messages]}
    data/<i>-<task>/<level>/prompt_api.json   the same as single user turns
--data may name data/, its parent, a task folder or a level folder inside it, a JSONL file of
samples written by `harness generate`, or a hub id (default: UltraRonin/LR2Bench; needs the network).

A sample is {"id": "<task>/<level>/<tag>", "task", "level", "tag", "source", "record" (the original
line), "gold" (the parsed answer), "prompt" (the chat template with its "<example>" slot, or None
to use the project's own instructions)}. The prompt travels with the sample so that scoring and
prompting never reach back to the folder. Nothing here is copied into the project.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from harness.core.data import read_records, read_text_file
from harness.core.errors import HarnessError
from harness.core.types import Sample
from tasks.lr2bench.config import LR2BenchConfig
from tasks.lr2bench.spec import HUB_ID, TASK_SPECS

ANSWER_FILE = "answer.json"
PROMPT_FILES = {"chat": "prompt.json", "api": "prompt_api.json"}
EXAMPLE_SLOT = "<example>"


def default_lr2bench_source(cfg: LR2BenchConfig) -> str | None:
    """The hub id for the original data; None for generated instances (the engine generates)."""
    return None if cfg.source == "generated" else HUB_ID


def load_lr2bench(source: str, cfg: LR2BenchConfig) -> Iterator[Sample]:
    """Samples of the configured tasks and levels from a folder, a samples file or a hub id."""
    path = Path(source).expanduser()
    if path.is_file():
        yield from _load_sample_file(source, cfg)
        return
    if path.is_dir():
        root, narrowed = find_data_root(path)
        yield from load_original_layout(root, cfg, narrowed)
        return
    if source.count("/") == 1 and not source.startswith((".", "/", "~")) and not path.suffix:
        yield from load_original_layout(download_from_hub(source), cfg, None)
        return
    raise HarnessError(
        f"LR2Bench data not found at {source}; give the original data/ folder (github ZNLP/LR2Bench),"
        " a samples .jsonl file, or a hub id"
    )


def find_data_root(path: Path) -> tuple[Path, tuple[str, str | None] | None]:
    """(folder holding answer.json, (task, level or None) when `path` points inside it)."""
    for candidate in (path, path / "data"):
        if (candidate / ANSWER_FILE).is_file():
            return candidate, None
    task = _task_of_folder(path.name)
    if task and (path.parent / ANSWER_FILE).is_file():
        return path.parent, (task, None)
    task = _task_of_folder(path.parent.name)
    if task and (path.parent.parent / ANSWER_FILE).is_file():
        return path.parent.parent, (task, path.name)
    raise HarnessError(
        f"{path}: not an LR2Bench data folder (no {ANSWER_FILE} here, in {path}/data or above a task"
        " folder); point --data at the original data/ folder"
    )


def _task_of_folder(name: str) -> str | None:
    for task, spec in TASK_SPECS.items():
        if name in (spec.folder, task) or name.endswith(f"-{task}"):
            return task
    return None


def _task_folder(root: Path, task: str) -> Path:
    preferred = root / TASK_SPECS[task].folder
    if preferred.is_dir():
        return preferred
    for child in sorted(root.iterdir()):
        if child.is_dir() and _task_of_folder(child.name) == task:
            return child
    return preferred


def load_original_layout(
    root: Path, cfg: LR2BenchConfig, narrowed: tuple[str, str | None] | None
) -> Iterator[Sample]:
    """Every selected level's puzzles, joined with their gold answers and prompt template."""
    gold = read_gold_answers(root)
    for task, levels in cfg.selected_levels().items():
        if narrowed and task != narrowed[0]:
            continue
        for level in levels:
            if narrowed and narrowed[1] is not None and level != narrowed[1]:
                continue
            level_dir = _task_folder(root, task) / level
            data_file = level_dir / "data.jsonl"
            if not data_file.is_file():
                raise HarnessError(
                    f"{data_file} is missing; this copy lacks {task}/{level}: choose what it has with"
                    " --set task=... or --set level=..."
                )
            prompt = read_prompt_template(str(level_dir), cfg.prompt_style, cfg.shots)
            for _row_number, record in read_records(str(data_file)):
                tag = str(record.get("tag", record.get("date", "")))
                answer = gold.get((task, level, tag))
                if answer is None:
                    raise HarnessError(f"{root / ANSWER_FILE} has no gold answer for {task}/{level}/{tag}")
                yield {
                    "id": f"{task}/{level}/{tag}",
                    "task": task,
                    "level": level,
                    "tag": tag,
                    "source": "original",
                    "record": record,
                    "gold": answer,
                    "prompt": prompt,
                }


def read_gold_answers(root: Path) -> dict[tuple[str, str, str], Any]:
    """{(task, level, tag): parsed gold answer} from answer.json (a trusted file: plain JSON)."""
    path = root / ANSWER_FILE
    try:
        table = json.loads(read_text_file(path))
    except json.JSONDecodeError as exc:
        raise HarnessError(f"{path}:{exc.lineno}: cannot read the gold answers ({exc.msg})") from None
    gold: dict[tuple[str, str, str], Any] = {}
    for task, entries in table.items():
        for entry in entries:
            key = (task, str(entry["level"]), str(entry["tag"]))
            try:
                gold[key] = json.loads(entry["answer"]) if isinstance(entry["answer"], str) else entry["answer"]
            except json.JSONDecodeError:
                raise HarnessError(f"{path}: the answer of {'/'.join(key)} is not valid JSON") from None
    return gold


@lru_cache(maxsize=64)
def read_prompt_template(level_dir: str, style: str, shots: int) -> dict[str, Any] | None:
    """The original chat for one level: {"setting", "messages"} with the trailing assistant turn
    dropped (the original code drops it too), or None when the folder has no prompt file."""
    path = Path(level_dir) / PROMPT_FILES[style]
    if not path.is_file():
        return None
    setting = "two_shot" if shots == 2 else "zero_shot"
    try:
        messages = json.loads(read_text_file(path))[setting]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise HarnessError(f"{path}: no usable '{setting}' chat ({type(exc).__name__})") from None
    messages = [{"role": str(m["role"]), "content": str(m["content"])} for m in messages]
    if messages and messages[-1]["role"] == "assistant":
        messages = messages[:-1]
    if not messages or EXAMPLE_SLOT not in messages[-1]["content"]:
        raise HarnessError(f"{path}: the last turn of '{setting}' has no {EXAMPLE_SLOT} slot")
    return {"setting": f"{path.name}/{setting}", "messages": messages}


def _load_sample_file(source: str, cfg: LR2BenchConfig) -> Iterator[Sample]:
    """Samples written by `harness generate` (one JSON object per line), narrowed to the config."""
    selected = cfg.selected_levels()
    for index, sample in read_records(source):
        missing = [key for key in ("id", "task", "level", "gold", "record") if key not in sample]
        if missing:
            raise index.error(
                f"not an LR2Bench sample (missing {', '.join(missing)}); for the original data give its data/ folder"
            )
        if sample["level"] in selected.get(sample["task"], ()):
            yield sample


def download_from_hub(hub_id: str) -> Path:
    """A local snapshot of the hub dataset (expected to mirror the GitHub data/ layout)."""
    if os.environ.get("HF_HUB_OFFLINE") == "1" or os.environ.get("HF_DATASETS_OFFLINE") == "1":
        raise HarnessError(
            f"dataset hub id '{hub_id}' needs the network (offline mode is set); pass --data DIR"
            " with the original data/ folder (github ZNLP/LR2Bench)"
        )
    from harness.core.hub import hub_unreachable

    unreachable = hub_unreachable()  # probed once, in seconds: no minute of retries without a network
    try:
        from huggingface_hub import snapshot_download

        snapshot = Path(snapshot_download(repo_id=hub_id, repo_type="dataset", local_files_only=bool(unreachable)))
    except Exception as exc:  # network, auth, missing repo: all end the same way for the user
        if unreachable:
            raise HarnessError(f"dataset '{hub_id}' is not in the local Hugging Face cache and {unreachable};"
                               " pass --data DIR with the original data/ folder (github ZNLP/LR2Bench)") from None
        raise HarnessError(
            f"could not download dataset '{hub_id}' from the hub ({type(exc).__name__}); pass --data DIR"
            " with the original data/ folder (github ZNLP/LR2Bench)"
        ) from None
    return find_data_root(snapshot)[0]
