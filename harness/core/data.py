"""Reading original data files: local jsonl / json / csv / parquet, or a dataset hub id.

Yields (RecordIndex, record) pairs. A RecordIndex is the record's 0-based position (what ids made
from row numbers use, so they stay stable) and also knows where the record is, 1-based, for error
messages: ``index.where`` is "data.jsonl:7" (line 7 of a line-based file) or "data.json: record 7".
Every message about a bad record names it that way, in every family.

Text files must be UTF-8 text: a byte sequence that is not UTF-8, or a NUL byte (binary content),
is a one-line error naming the file and line, never a traceback.
The `datasets` library is imported only for hub ids (and fails with a clear offline message).
"""

from __future__ import annotations

import csv
import io
import json
import operator
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from harness.core.errors import HarnessError


class RecordIndex(int):
    """A record's 0-based position that also carries its 1-based location for messages.

    An int so that ``str(row.get("id", index))`` keeps giving the 0-based ids files have always had."""

    line: int  # 1-based: the file line where the record starts, or the record's number
    source: str
    by_line: bool  # True: ``line`` is a line of a text file; False: a record number

    def __new__(cls, index: int, line: int, source: str, by_line: bool = True) -> "RecordIndex":
        self = super().__new__(cls, index)
        self.line, self.source, self.by_line = line, str(source), by_line
        return self

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.by_line else f"{self.source}: record {self.line}"

    def error(self, message: str) -> HarnessError:
        """A HarnessError naming this record: 'data.jsonl:7: <message>'."""
        return HarnessError(f"{self.where}: {message}")


def decode_text(path: str | Path, data: bytes) -> str:
    """UTF-8 text of a data file; invalid UTF-8 or a NUL byte is an error naming the line."""
    nul = data.find(b"\x00")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise HarnessError(
            f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x} at column {column});"
            " save the file as UTF-8"
        ) from None
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise HarnessError(f"{path}:{line}: binary content (a NUL byte); give a UTF-8 text file") from None
    return text


def read_text_file(path: str | Path) -> str:
    """A whole data file as checked UTF-8 text (see decode_text)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise HarnessError(f"cannot read {path}: {exc.strerror or exc}") from None
    return decode_text(path, data)


def read_records(source: str, split: str = "train", subset: str | None = None) -> Iterator[tuple[RecordIndex, dict[str, Any]]]:
    """Records of a local file (by extension) or of a hub dataset split, in order; ``subset`` names
    the hub dataset's configuration where it has several (GSM8K's "main")."""
    path = Path(source).expanduser()
    if path.exists():
        if path.is_dir():
            raise HarnessError(f"--data {source} is a directory; give a .jsonl, .json, .csv or .parquet file")
        yield from _read_local(path)
        return
    if source.count("/") == 1 and not source.startswith((".", "/", "~")) and not Path(source).suffix:
        yield from _read_hub(source, split, subset)
        return
    raise HarnessError(f"data file not found: {source} (give an existing path or a dataset hub id like owner/name)")


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(1-based line number, object) for every non-blank line; a corrupt line, a line that is not
    UTF-8 or holds binary, is named in the error."""
    for line_number, _, record in iter_jsonl_offsets(path):
        yield line_number, record


def iter_jsonl_offsets(path: str | Path) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """iter_jsonl with each line's byte offset, so a reader can keep offsets instead of records and
    come back for one line (read_jsonl_line) at a cost that does not grow with the file."""
    try:
        handle = Path(path).open("rb")
    except OSError as exc:
        raise HarnessError(f"cannot read {path}: {exc.strerror or exc}") from None
    with handle:
        offset = 0
        for line_number, raw in enumerate(handle, start=1):
            start, offset = offset, offset + len(raw)
            if not raw.strip():
                continue
            yield line_number, start, parse_jsonl_line(path, line_number, raw)


def read_jsonl_line(handle: BinaryIO, path: str | Path, line_number: int, offset: int) -> dict[str, Any]:
    """The object on the line at ``offset`` of an open file (as iter_jsonl_offsets numbered it)."""
    handle.seek(offset)
    return parse_jsonl_line(path, line_number, handle.readline())


def parse_jsonl_line(path: str | Path, line_number: int, raw: bytes) -> dict[str, Any]:
    line = _decode_line(path, line_number, raw)
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise HarnessError(f"{path}:{line_number}: corrupt JSON line ({exc.msg}); fix or remove that line") from None
    except RecursionError:
        raise HarnessError(f"{path}:{line_number}: JSON nested too deeply") from None
    if not isinstance(record, dict):
        raise HarnessError(f"{path}:{line_number}: expected a JSON object per line")
    return record


def _decode_line(path: str | Path, line_number: int, raw: bytes) -> str:
    if line_number == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a UTF-8 byte order mark
    if b"\x00" in raw:
        raise HarnessError(f"{path}:{line_number}: binary content (a NUL byte); give a UTF-8 text file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HarnessError(f"{path}:{line_number}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at column"
                           f" {exc.start + 1}); save the file as UTF-8") from None


def _read_local(path: Path) -> Iterator[tuple[RecordIndex, dict[str, Any]]]:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        for row, (line, record) in enumerate(iter_jsonl(path)):
            yield RecordIndex(row, line, str(path)), record
    elif suffix == ".json":
        try:
            data = json.loads(read_text_file(path))
        except json.JSONDecodeError as exc:
            raise HarnessError(f"{path}:{exc.lineno}: corrupt JSON ({exc.msg})") from None
        if not isinstance(data, list):
            raise HarnessError(f"{path}: expected a JSON list of records")
        for row, record in enumerate(data):
            if not isinstance(record, dict):
                raise HarnessError(f"{path}: record {row + 1} is not a JSON object")
            yield RecordIndex(row, row + 1, str(path), by_line=False), record
    elif suffix == ".csv":
        reader = csv.DictReader(io.StringIO(read_text_file(path), newline=""))
        start = 2  # the header is line 1
        try:
            for row, record in enumerate(reader):
                yield RecordIndex(row, start, str(path)), record
                start = reader.line_num + 1
        except csv.Error as exc:
            raise HarnessError(f"{path}:{reader.line_num}: unreadable CSV ({exc})") from None
    elif suffix == ".parquet":
        import pandas as pd

        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a bad file
            raise HarnessError(f"{path}: not a readable parquet file ({type(exc).__name__}: {exc})"[:300]) from None
        for row, record in enumerate(frame.to_dict(orient="records")):
            yield RecordIndex(row, row + 1, str(path), by_line=False), record
    else:
        raise HarnessError(f"{path}: unsupported file type '{suffix}'; use .jsonl, .json, .csv or .parquet")


def _read_hub(hub_id: str, split: str, subset: str | None = None) -> Iterator[tuple[RecordIndex, dict[str, Any]]]:
    if os.environ.get("HF_HUB_OFFLINE") == "1" or os.environ.get("HF_DATASETS_OFFLINE") == "1":
        raise HarnessError(f"dataset hub id '{hub_id}' needs the network (offline mode is set); pass --data PATH to a local copy")
    from harness.core.hub import hub_unreachable

    unreachable = hub_unreachable()  # seconds, not a minute of retries
    if unreachable:
        raise HarnessError(f"dataset '{hub_id}' needs the hub, and {unreachable}; pass --data PATH to a local copy"
                           " (or set HF_HUB_OFFLINE=1 to use a copy in the datasets cache)")
    try:
        import datasets

        dataset = datasets.load_dataset(hub_id, subset, split=split)
    except Exception as exc:  # network, auth, missing split: all end the same way for the user
        raise HarnessError(
            f"could not load dataset '{hub_id}' from the hub ({type(exc).__name__}); pass --data PATH to a local copy"
        ) from None
    for row, record in enumerate(dataset):
        yield RecordIndex(row, row + 1, f"{hub_id} ({split})", by_line=False), dict(record)


def strict_int(value: Any, name: str, low: int, high: int) -> int:
    """``value`` as an int in [low, high], or ValueError saying why. Integers, integral floats
    (parquet stores int columns with gaps as float) and digit strings (CSV) pass; 1.5, True, 1e308
    and "12abc" do not: loaders never round or coerce a number silently."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if isinstance(value, str):
        text = value.strip()
        if not text.lstrip("+-").isdigit() or len(text) > 20:
            raise ValueError(f"{name} must be an integer, got {value!r}")
        number = int(text)
    elif isinstance(value, float) or type(value).__name__.startswith("float"):
        as_float = float(value)
        if not as_float.is_integer():
            raise ValueError(f"{name} must be an integer, got {value!r}")
        if not low <= as_float <= high:
            raise ValueError(f"{name} must be between {low} and {high}, got {value!r}")
        number = int(as_float)
    else:
        try:
            number = operator.index(value)
        except TypeError:
            raise ValueError(f"{name} must be an integer, got {type(value).__name__} {str(value)[:40]!r}") from None
    if not low <= number <= high:
        shown = str(number) if len(str(number)) <= 20 else f"a {len(str(number))}-digit number"
        raise ValueError(f"{name} must be between {low} and {high}, got {shown}")
    return number
