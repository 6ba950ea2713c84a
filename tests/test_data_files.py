"""Data and prediction files: bad values, bad bytes and binary content are one-line errors naming
the file and the 1-based line, in every family's loader; numbers are never coerced silently."""

from __future__ import annotations

import json

import pytest

from harness.cli import main
from harness.core.data import read_records, strict_int
from harness.core.errors import HarnessError
from harness.core.registry import get_task
from tasks.countdown.loader import load_countdown
from tasks.counterbench.loader import load_counterbench
from tasks.reversal.celebrity_data import load_celebrity_pairs
from tasks.sudoku.loader import load_sudoku

GOOD = {"target": 24, "nums": [6, 1, 3, 4]}


def write_lines(path, rows) -> str:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return str(path)


@pytest.mark.parametrize("change, message", [
    ({"nums": [6, 1.5, 3, 4]}, r"nums\[1\] must be an integer, got 1.5"),
    ({"target": 1e308}, "'target' must be between"),
    ({"target": 24.5}, "'target' must be an integer"),
    ({"target": True}, "'target' must be an integer"),
    ({"nums": list(range(3_000_000))}, "'nums' must hold 2 to 12 numbers, got 3000000"),
    ({"nums": [6, -1, 3, 4]}, r"nums\[1\] must be between 0 and"),
    ({"nums": "6 1 3 4"}, "'nums' must be a list"),
    ({"target": "24abc"}, "'target' must be an integer"),
])
def test_countdown_rejects_non_integers_and_out_of_range_values(tmp_path, change, message):
    path = write_lines(tmp_path / "cd.jsonl", [GOOD, GOOD, {**GOOD, **change}])
    with pytest.raises(HarnessError, match=f"cd.jsonl:3: not a Countdown record .*{message}"):
        list(load_countdown(path, get_task("countdown").config))


def test_countdown_accepts_exact_integers_in_any_container(tmp_path):
    rows = [GOOD, {"target": 24.0, "nums": [6.0, 1, 3, 4]}, {"target": "24", "nums": ["6", 1, 3, 4]}]
    samples = list(load_countdown(write_lines(tmp_path / "cd.jsonl", rows), get_task("countdown").config))
    assert [(s["nums"], s["target"]) for s in samples] == [([6, 1, 3, 4], 24)] * 3
    assert all(type(n) is int for s in samples for n in s["nums"])
    assert [s["id"] for s in samples] == ["0", "1", "2"]  # ids stay 0-based positions


def test_lines_are_one_based_and_blank_lines_count(tmp_path):
    path = tmp_path / "cd.jsonl"
    path.write_text(json.dumps(GOOD) + "\n\n" + json.dumps({"nums": [1, 2]}) + "\n")
    with pytest.raises(HarnessError, match=r"cd.jsonl:3: not a Countdown record \(missing field 'target'\)"):
        list(load_countdown(str(path), get_task("countdown").config))


@pytest.mark.parametrize("payload, message", [
    (b'{"target": 24, "nums": [6, 1, 3, 4], "note": "caf\xe9"}\n', r"not UTF-8 text \(byte 0xe9 at column 50\)"),
    (b'{"target": 24, "nums": [6, 1, 3, 4]}\x00\n', r"binary content \(a NUL byte\)"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8 text|binary content"),
])
def test_invalid_utf8_and_binary_jsonl_are_named(tmp_path, payload, message):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"target": 24, "nums": [6, 1, 3, 4]}\n' + payload)
    with pytest.raises(HarnessError, match=f"bad.jsonl:2: ({message})"):
        list(load_countdown(str(path), get_task("countdown").config))


def test_csv_and_json_files_name_the_line(tmp_path):
    csv = tmp_path / "pairs.csv"
    csv.write_bytes(b"child,parent,parent_type\nAda Quill,Bea Quill,mother\nCal,\xff\xfe,father\n")
    with pytest.raises(HarnessError, match=r"pairs.csv:3: not UTF-8 text"):
        list(load_celebrity_pairs(str(csv), get_task("reversal-celebrity").config))
    csv.write_text('child,parent,parent_type\nAda Quill,Bea Quill,mother\n"Cal\nOrm",,father\n')
    with pytest.raises(HarnessError, match=r"pairs.csv:3: not a parent/child pair"):
        list(load_celebrity_pairs(str(csv), get_task("reversal-celebrity").config))
    as_json = tmp_path / "cd.json"
    as_json.write_text(json.dumps([GOOD, {**GOOD, "target": 2.5}]))
    with pytest.raises(HarnessError, match=r"cd.json: record 2: not a Countdown record"):
        list(load_countdown(str(as_json), get_task("countdown").config))
    as_json.write_bytes(b'[\n{"target": 24,\n "nums": [1, 2]}\n\x00]')
    with pytest.raises(HarnessError, match=r"cd.json:4: binary content"):
        list(read_records(str(as_json)))


def test_other_families_reject_coerced_numbers_with_the_line(tmp_path, fixtures_dir):
    rows = [json.loads(line) for line in (fixtures_dir / "counterbench" / "original_format.jsonl").open()]
    rows[1] = {**rows[1], "num_variables": 5.5}
    with pytest.raises(HarnessError, match=r"cb.jsonl:2: .*num_variables must be an integer, got 5.5"):
        list(load_counterbench(write_lines(tmp_path / "cb.jsonl", rows), get_task("counterbench").config))
    sudoku = {"id": "s", "puzzle": [[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], "box_rows": 2.5, "box_cols": 2}
    with pytest.raises(HarnessError, match=r"sd.jsonl:1: box_rows must be an integer"):
        list(load_sudoku(write_lines(tmp_path / "sd.jsonl", [sudoku]), get_task("sudoku-4x4").config))


def test_strict_int_edges():
    assert strict_int("  -7 ", "x", -10, 10) == -7
    with pytest.raises(ValueError, match="a 400-digit number"):
        strict_int(10**399, "x", 0, 10)
    with pytest.raises(ValueError, match="must be an integer"):
        strict_int(float("nan"), "x", 0, 10)
    with pytest.raises(ValueError, match="must be an integer, got NoneType"):
        strict_int(None, "x", 0, 10)


def test_prediction_file_with_invalid_utf8_is_a_one_line_error(tmp_path, capsys):
    data = tmp_path / "samples.jsonl"
    assert main(["generate", "countdown", "--n", "3", "--out", str(data)]) == 0
    ids = [json.loads(line)["id"] for line in data.read_text().splitlines()]
    predictions = tmp_path / "preds.jsonl"
    predictions.write_bytes(json.dumps({"id": ids[0], "response": "x"}).encode() + b"\n"
                            + b'{"id": "' + ids[1].encode() + b'", "response": "\xc3\x28"}\n')
    capsys.readouterr()
    code = main(["score", "countdown", "--data", str(data), "--predictions", str(predictions),
                 "--out", str(tmp_path / "scored")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "preds.jsonl:2: not UTF-8 text (byte 0xc3 at column" in err
    assert not (tmp_path / "scored").exists()


def test_a_binary_file_given_as_data_is_named_not_a_traceback(tmp_path, capsys):
    data = tmp_path / "blob.jsonl"
    data.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\n\x00\x00")
    code = main(["run", "countdown", "--data", str(data), "--results-dir", str(tmp_path), "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith(f"harness: error: {data}:1: ") and len(err.splitlines()) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["blob.jsonl"]


def test_a_generated_file_of_another_task_is_one_line_naming_file_line_field_and_task(tmp_path, capsys):
    """`harness generate sudoku-4x4 ... && harness run countdown --data s.jsonl` was a KeyError traceback."""
    sudoku = tmp_path / "s.jsonl"
    assert main(["generate", "sudoku-4x4", "--n", "3", "--out", str(sudoku)]) == 0
    capsys.readouterr()
    for argv in (["run", "countdown", "--data", str(sudoku), "--limit", "2", "--results-dir", str(tmp_path)],
                 ["generate", "countdown", "--data", str(sudoku), "--out", str(tmp_path / "c.jsonl")]):
        assert main(argv) == 2
        error = capsys.readouterr().err.strip()
        assert error.count("\n") == 0
        assert error.startswith(f"harness: error: {sudoku}:1: not a sample of 'countdown' (missing field 'nums')")
        assert "written by 'harness generate sudoku-4x4'" in error
    assert not (tmp_path / "c.jsonl").exists()


def test_a_generated_file_of_a_sibling_variant_is_still_read(tmp_path):
    three = tmp_path / "c3.jsonl"
    assert main(["generate", "countdown-3", "--n", "2", "--out", str(three)]) == 0
    assert main(["generate", "countdown", "--data", str(three), "--out", str(tmp_path / "c.jsonl")]) == 0
    assert len((tmp_path / "c.jsonl").read_text().splitlines()) == 2


def test_an_original_file_of_another_family_says_which_family_it_looks_like(tmp_path, capsys):
    raw = write_lines(tmp_path / "raw.jsonl", [{"puzzle": [[0, 1], [1, 0]], "solution": [[2, 1], [1, 2]]}])
    assert main(["run", "countdown", "--data", raw, "--limit", "1", "--results-dir", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert error == (f"harness: error: {raw}:1: not a Countdown record (missing field 'nums'); needs integer 'target'"
                     f" and a list 'nums' ({raw} looks like sudoku data: run it with a sudoku task)")
