"""`harness score`: score responses produced elsewhere (another harness, an API batch job) with the
family's own scorer and no model, writing the same run-folder files as `harness run`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from harness.core.data import iter_jsonl
from harness.core.errors import HarnessError, counted
from harness.core.files import command_line, git_commit, package_versions, slug
from harness.core.registry import get_task
from harness.core.run_lock import RunFolderLock
from harness.core.types import Generation
from harness.pipeline.plan import task_config_record
from harness.pipeline.runner import sample_line
from harness.pipeline.samples import select_samples
from harness.pipeline.scoring import score_result
from harness.report.run_folder import commit_run_folder
from harness.report.tables import metric_info, task_rows


def read_predictions(source: str | Path | Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """{id: line}; each line holds 'response' (a string) or 'responses' (a list of strings). ``source``
    is a JSONL file, or (from Python) the records themselves."""
    if isinstance(source, (str, Path)):
        file = Path(source)
        if not file.is_file():
            raise HarnessError(f"predictions file not found: {source}")
        numbered: Iterable[tuple[int, Any]] = iter_jsonl(file)
        path = str(source)
    else:
        numbered, path = enumerate(source, start=1), "predictions"
    predictions: dict[str, dict[str, Any]] = {}
    for number, record in numbered:
        if not isinstance(record, Mapping):
            raise HarnessError(f'{path}:{number}: each prediction is a mapping like {{"id": "x", "response": "..."}}')
        if "id" not in record:
            raise HarnessError(f'{path}:{number}: each line needs an "id" and a "response", e.g. {{"id": "x", "response": "..."}}')
        texts = record.get("responses", [record.get("response")])
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            raise HarnessError(f'{path}:{number}: "response" must be a string (or "responses" a list of strings)')
        key = str(record["id"])
        if key in predictions:
            raise HarnessError(f"{path}:{number}: duplicate prediction for id '{key}'")
        predictions[key] = {**record, "responses": texts}
    return predictions


def unknown_ids_message(task_name: str, data: str | None, seed: int, n_samples: int, unknown: list[str],
                        n_predictions: int, samples: list[dict[str, Any]]) -> str:
    """Which ids did not match, what the matched set's ids look like, and the options that choose
    the samples: --data for a file, --seed/--limit for generated samples."""
    example = f"; those samples' ids look like '{samples[0]['id']}'" if samples else ""
    where = f"in {data}" if data else f"({counted(n_samples, 'sample')} generated with seed {seed})"
    head = (f"prediction ids not found among the samples of '{task_name}' {where}: {len(unknown)} of {n_predictions}"
            f" (first: '{unknown[0]}'{example})")
    if data:
        return (f"{head}; pass as --data the samples file the predictions were made from"
                " (the file 'harness generate' wrote, or the original data)")
    return (f"{head}; if the samples came from another seed or file, pass the same --seed (and --limit N) that"
            " 'harness generate' used, or --data FILE with the samples file it wrote")


def scored_run_id(settings: dict[str, Any]) -> str:
    """The folder of a scoring: task and predictions file by name, and a digest of every setting,
    so `--set scoring=strict` never overwrites the default-scored folder."""
    keyed = {k: v for k, v in settings.items() if k not in ("out", "results_dir")}
    digest = hashlib.sha256(json.dumps(keyed, sort_keys=True).encode()).hexdigest()[:8]
    return slug(f"{settings['task']}__scored__{Path(settings['predictions']).stem}") + f"__{digest}"


def score_predictions(task_name: str, data: str | None, predictions_path: str | Path | Iterable[Mapping[str, Any]], out: str | None,
                      settings: dict[str, str] | None = None, results_dir: str = "results",
                      seed: int = 0, limit: int | None = None) -> tuple[Path, list[dict[str, Any]], int]:
    """Returns (run folder, metrics rows, number of samples that had no prediction). Without ``data``
    the samples are generated from ``seed`` (the first ``limit``, default 100), as `harness run` and
    `harness generate` make them."""
    started = datetime.now(timezone.utc)
    task = get_task(task_name, settings or {})
    samples = select_samples(task, seed=seed, limit=limit, data=data)
    predictions = read_predictions(predictions_path)
    known = {str(s["id"]) for s in samples}
    unknown = [key for key in predictions if key not in known]
    if unknown:
        raise HarnessError(unknown_ids_message(task_name, data, seed, len(samples), unknown, len(predictions), samples))
    lines, records = [], []
    for sample in samples:
        prediction = predictions.get(str(sample["id"]))
        if prediction is None:
            continue
        request = task.family.build_request(task.config, sample)
        if request.kind != "generate":
            raise HarnessError(f"task '{task_name}' is scored by log-likelihood, not text; run it with a model that gives log-probs")
        texts = prediction["responses"]
        result = Generation(texts=texts, finish_reasons=[prediction.get("finish_reason", "stop")] * len(texts))
        record = score_result(task, sample, result)
        records.append(record)
        lines.append(sample_line(task, sample, request, result, record))
    if not records:
        raise HarnessError(f"no prediction in {predictions_path if isinstance(predictions_path, (str, Path)) else 'the predictions'}"
                           f" matches a sample of '{task_name}'")
    rows = task_rows(task, records)
    source_name = Path(predictions_path).name if isinstance(predictions_path, (str, Path)) else "python"
    settings_record = {"task": task_name, "data": data, "predictions": source_name if source_name == "python" else str(predictions_path),
                       "seed": seed, "limit": limit, "set": dict(settings or {}), "out": out, "results_dir": results_dir}
    run_dir = Path(out) if out else Path(results_dir) / scored_run_id(settings_record)
    model = next((p.get("model") for p in predictions.values() if p.get("model")), f"predictions:{source_name}")
    lock = RunFolderLock(run_dir)
    lock.acquire()
    try:
        first_request = task.family.build_request(task.config, samples[0])
        commit_run_folder(run_dir, lines, rows, {
            "model": model, "backend": {"name": "predictions", "file": source_name if source_name == "python" else str(predictions_path)},
            "tasks": {task_name: {**task_config_record(task), "n_samples": len(records),
                                  "request_settings": first_request.settings.__dict__}},
            "seed": seed, "limit": limit, "data": data, "settings": settings_record,
            "command": command_line(), "started_at": started.isoformat(),
            "finished_at": datetime.now(timezone.utc).isoformat(), "versions": package_versions(), "git_commit": git_commit(),
        }, {task_name: metric_info(task, rows)})
        from harness.report.html import try_write_report

        try_write_report(run_dir)
    finally:
        lock.release()
    return run_dir, rows, len(samples) - len(records)
