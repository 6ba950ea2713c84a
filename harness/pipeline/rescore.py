"""`harness score`: score responses produced elsewhere (another harness, an API batch job) with the
family's own scorer and no model, writing the same run-folder files as `harness run`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO

from harness.core.data import iter_jsonl_offsets, read_jsonl_line
from harness.core.errors import HarnessError, counted
from harness.core.files import command_line, git_commit, package_versions, slug
from harness.core.registry import Task, get_task
from harness.core.run_lock import RunFolderLock
from harness.core.types import Generation, Sample, ScoredSample
from harness.pipeline.plan import task_config_record
from harness.pipeline.runner import sample_line
from harness.pipeline.samples import select_samples
from harness.pipeline.scoring import score_result
from harness.report.run_folder import commit_run_folder, stage_samples
from harness.report.tables import metric_info, task_rows


class Predictions:
    """The predictions by id. From a file only each line's byte offset is kept and a prediction is
    read again when its sample is scored, so memory does not grow with the texts (a pass@k study's
    file holds hundreds of thousands of completions); from Python, the records themselves."""

    def __init__(self, source: str | Path | Iterable[Mapping[str, Any]]) -> None:
        self.model: str | None = None  # the first "model" a prediction names, in file order
        self._held: dict[str, dict[str, Any]] = {}
        self._offsets: dict[str, tuple[int, int]] = {}  # id -> (line number, byte offset)
        self._handle: BinaryIO | None = None
        if isinstance(source, (str, Path)):
            self.path = str(source)
            if not Path(source).is_file():
                raise HarnessError(f"predictions file not found: {source}")
            for number, offset, record in iter_jsonl_offsets(source):
                key = self._check(number, record, self._offsets)
                self._offsets[key] = (number, offset)
        else:
            self.path = "predictions"
            for number, given in enumerate(source, start=1):
                key = self._check(number, given, self._held)
                self._held[key] = {**given, "responses": _texts(given)}

    def _check(self, number: int, record: Any, seen: Mapping[str, Any]) -> str:
        if not isinstance(record, Mapping):
            raise HarnessError(f'{self.path}:{number}: each prediction is a mapping like {{"id": "x", "response": "..."}}')
        if "id" not in record:
            raise HarnessError(f'{self.path}:{number}: each line needs an "id" and a "response", e.g. {{"id": "x", "response": "..."}}')
        texts = _texts(record)
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            raise HarnessError(f'{self.path}:{number}: "response" must be a string (or "responses" a list of strings)')
        key = str(record["id"])
        if key in seen:
            raise HarnessError(f"{self.path}:{number}: duplicate prediction for id '{key}'")
        if self.model is None and record.get("model"):
            self.model = record["model"]
        return key

    def ids(self) -> list[str]:
        return list(self._offsets or self._held)

    def __len__(self) -> int:
        return len(self._offsets) + len(self._held)

    def get(self, key: str) -> dict[str, Any] | None:
        """The prediction for ``key`` ('responses' always a list), or None."""
        if key in self._held:
            return self._held[key]
        if key not in self._offsets:
            return None
        if self._handle is None:
            self._handle = Path(self.path).open("rb")
        number, offset = self._offsets[key]
        record = read_jsonl_line(self._handle, self.path, number, offset)
        return {**record, "responses": _texts(record)}

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def _texts(record: Mapping[str, Any]) -> Any:
    return record.get("responses", [record.get("response")])


def read_predictions(source: str | Path | Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """{id: line}; each line holds 'response' (a string) or 'responses' (a list of strings). ``source``
    is a JSONL file, or (from Python) the records themselves. Holds every text: scoring reads
    them through Predictions instead."""
    predictions = Predictions(source)
    try:
        return {key: prediction for key in predictions.ids() if (prediction := predictions.get(key)) is not None}
    finally:
        predictions.close()


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
    samples = select_samples(task, seed=seed, limit=limit, data=data,
                             instances=Path(results_dir) / ".cache" / "responses.instances.sqlite")
    predictions = Predictions(predictions_path)
    try:
        return _score(task, task_name, samples, predictions, predictions_path, data, out, settings, results_dir, seed,
                      limit, started)
    finally:
        predictions.close()


def scored_sample_lines(task: Task, samples: Iterable[Sample], predictions: Predictions, records: list[ScoredSample]) -> Iterator[dict[str, Any]]:
    """Each predicted sample's line, scored as it is read; its record (numbers, no texts) goes to
    ``records`` for the metrics. One sample's texts are held at a time."""
    for sample in samples:
        prediction = predictions.get(str(sample["id"]))
        if prediction is None:
            continue
        request = task.family.build_request(task.config, sample)
        if request.kind != "generate":
            raise HarnessError(f"task '{task.name}' is scored by log-likelihood, not text; run it with a model that gives log-probs")
        texts = prediction["responses"]
        result = Generation(texts=texts, finish_reasons=[prediction.get("finish_reason", "stop")] * len(texts))
        record = score_result(task, sample, result)
        records.append(record)
        yield sample_line(task, sample, request, result, record)


def _score(task: Task, task_name: str, samples: list[Sample], predictions: Predictions,
           predictions_path: str | Path | Iterable[Mapping[str, Any]], data: str | None, out: str | None,
           settings: dict[str, str] | None, results_dir: str, seed: int, limit: int | None,
           started: datetime) -> tuple[Path, list[dict[str, Any]], int]:
    known = {str(s["id"]) for s in samples}
    unknown = [key for key in predictions.ids() if key not in known]
    del known
    if unknown:
        raise HarnessError(unknown_ids_message(task_name, data, seed, len(samples), unknown, len(predictions), samples))
    source_name = Path(predictions_path).name if isinstance(predictions_path, (str, Path)) else "python"
    settings_record = {"task": task_name, "data": data, "predictions": source_name if source_name == "python" else str(predictions_path),
                       "seed": seed, "limit": limit, "set": dict(settings or {}), "out": out, "results_dir": results_dir}
    run_dir = Path(out) if out else Path(results_dir) / scored_run_id(settings_record)
    model = predictions.model or f"predictions:{source_name}"
    records: list[ScoredSample] = []
    lock = RunFolderLock(run_dir)
    lock.acquire()
    try:
        staged = stage_samples(run_dir, scored_sample_lines(task, samples, predictions, records))
        if not records:
            staged.discard()
            raise HarnessError(f"no prediction in {predictions_path if isinstance(predictions_path, (str, Path)) else 'the predictions'}"
                               f" matches a sample of '{task_name}'")
        try:
            rows = task_rows(task, records)
        except BaseException:
            staged.discard()
            raise
        first_request = task.family.build_request(task.config, samples[0])
        commit_run_folder(run_dir, staged, rows, {
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
