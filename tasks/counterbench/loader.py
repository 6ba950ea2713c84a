"""Loader for CounterBench records: the original 1,000 (a local .jsonl/.json/.parquet copy or the
hub id CounterBench/CounterBench) and files written by `harness generate counterbench`.

Original row: {question, given_info, answer: yes|no, type, question_id, meta: {graph_id: graph5..9,
story_id: nonsense_0..4, ...}}; a sample's id is its question_id. Generated rows already carry
an id and num_variables. Rows are checked field by field so a bad file is named precisely.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from harness.core.data import read_records, strict_int
from harness.core.types import Sample
from tasks.counterbench.config import QUERY_TYPES, CounterBenchConfig

GRAPH_ID = re.compile(r"graph(\d+)")
MAX_VARIABLES = 1000


def load_counterbench(source: str, cfg: CounterBenchConfig) -> Iterator[Sample]:
    for index, row in read_records(source):
        try:
            sample = counterbench_sample(row)
        except KeyError as exc:
            raise index.error(f"not a CounterBench record: missing field {exc}") from None
        except (TypeError, ValueError) as exc:
            raise index.error(f"not a CounterBench record: {exc}") from None
        yield sample


def counterbench_sample(row: Mapping[str, Any]) -> Sample:
    """A sample from one original or generated row (KeyError/ValueError name what is wrong)."""
    meta = _meta(row)
    answer = str(row["answer"]).strip().lower()
    if answer not in ("yes", "no"):
        raise ValueError(f"answer must be yes or no, got {row['answer']!r}")
    query_type = str(row["type"]).strip()
    if query_type not in QUERY_TYPES:
        raise ValueError(f"type must be one of {', '.join(QUERY_TYPES)}, got {query_type!r}")
    graph_id = str(row.get("graph_id") or meta.get("graph_id") or "")
    sample: Sample = {
        "id": str(row["id"] if row.get("id") is not None else row["question_id"]),
        "question": _text(row, "question"),
        "given_info": _text(row, "given_info"),
        "answer": answer,
        "type": query_type,
        "num_variables": _num_variables(row, graph_id),
        "graph_id": graph_id,
        "story_id": str(row.get("story_id") or meta.get("story_id") or ""),
    }
    if isinstance(row.get("scm"), Mapping):
        sample["scm"] = row["scm"]
    return sample


def _meta(row: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = row.get("meta") or {}
    if isinstance(meta, str):  # csv copies store the nested record as a JSON string
        meta = json.loads(meta)
    if not isinstance(meta, Mapping):
        raise ValueError(f"meta must be an object, got {type(meta).__name__}")
    return meta


def _text(row: Mapping[str, Any], key: str) -> str:
    value = row[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"'{key}' must be non-empty text")
    return value.strip()


def _num_variables(row: Mapping[str, Any], graph_id: str) -> int:
    if row.get("num_variables") is not None:
        return strict_int(row["num_variables"], "num_variables", 1, MAX_VARIABLES)
    match = GRAPH_ID.fullmatch(graph_id)
    if match is None:
        raise ValueError(f"need meta.graph_id like 'graph5' (the number of variables), got {graph_id!r}")
    return strict_int(match.group(1), "meta.graph_id", 1, MAX_VARIABLES)
