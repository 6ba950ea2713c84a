"""The keyword detector's counts are counted once per completion and kept beside samples.jsonl
(harness/report/behaviour_cache.py): a report built from the cache is byte-identical to one that
counts, and a cache that is stale, damaged, truncated or made by another detector is never trusted."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from report_fixtures import recommit

from harness.core.files import file_sha256
from harness.parsing import traces
from harness.parsing.traces import labelled_examples
from harness.report.behaviour_cache import CACHE_NAME, BehaviourCounts, cache_key, count_line, detector_fingerprint, read_cache, write_cache
from harness.report.html import REPORT_NAME, _families_of, write_report
from harness.report.run_folder import read_manifest, read_metrics

SEARCH_TRACE = ("Current State: 24:[6, 4, 1], Operations: []\nExploring Operation: 6*4=24, Resulting Numbers: [24, 1]\n"
                "24,1 unequal: No Solution\nMoving to Node #0,0\nExploring Operation: 6+4=10\n"
                "Generated Node #0,1: 24:[10, 1] Operation: 6+4=10\nMoving to Node #0,1\n24,24 equal: Goal Reached\n")


@pytest.fixture(scope="module")
def scored(tmp_path_factory) -> Path:
    """`harness score` of Countdown with texts rich in behaviours: every labelled sentence, Stream-of-Search
    lines for the family's marker hook, budget forcing's inserted spans, empty and missing responses."""
    from harness.core.registry import get_task
    from harness.pipeline.rescore import score_predictions
    from harness.pipeline.samples import select_samples

    work = tmp_path_factory.mktemp("behaviour-cache")
    texts = [str(item["text"]) for name in ("held_out", "development") for item in labelled_examples(name)]
    samples = select_samples(get_task("countdown"), seed=0, limit=60, data=None)
    with (work / "p.jsonl").open("w", encoding="utf-8") as out:
        for index, sample in enumerate(samples):
            if index % 13 == 7:
                continue  # no prediction: a line without responses
            responses = [texts[(7 * index + j) % len(texts)] + " " + texts[(11 * index + j) % len(texts)] for j in range(3)]
            responses[index % 3] = SEARCH_TRACE + responses[index % 3] if index % 4 else ""
            out.write(json.dumps({"id": sample["id"], "responses": [r + f"\n<answer>{sample['solution']}</answer>" for r in responses]})
                      + "\n")
    run_dir = work / "run"
    score_predictions("countdown", None, work / "p.jsonl", str(run_dir), limit=60)
    lines = (run_dir / "samples.jsonl").read_text(encoding="utf-8").splitlines()
    edited = [json.loads(lines[3]), json.loads(lines[5])]
    del edited[0]["responses"]  # a line the detector does not read
    edited[1]["responses"] = []  # one with nothing to count
    lines[3], lines[5] = (json.dumps(line) for line in edited)
    (run_dir / "samples.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    recommit(run_dir)
    write_report(run_dir)
    return run_dir


def lines_and_families(run_dir: Path):
    families = _families_of(read_manifest(run_dir), read_metrics(run_dir))
    lines = [json.loads(raw) for raw in (run_dir / "samples.jsonl").read_text(encoding="utf-8").splitlines() if raw.strip()]
    return lines, families


def rebuilt(run_dir: Path) -> bytes:
    (run_dir / REPORT_NAME).unlink()
    return write_report(run_dir).read_bytes()


def no_detector(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the detector ran although the cache matched")

    monkeypatch.setattr(traces, "count_behaviours", refuse)


def test_score_leaves_a_cache_and_later_reports_never_count(scored, monkeypatch):
    assert (scored / CACHE_NAME).is_file()
    assert CACHE_NAME not in read_manifest(scored)["files"]  # a cache, not part of the commit
    page = (scored / REPORT_NAME).read_bytes()
    cache = (scored / CACHE_NAME).read_bytes()
    with monkeypatch.context() as patch:
        no_detector(patch)
        assert rebuilt(scored) == page
    assert (scored / CACHE_NAME).read_bytes() == cache  # a whole hit is not rewritten


def test_cached_counts_equal_counting_every_line_again(scored):
    lines, families = lines_and_families(scored)
    counts = BehaviourCounts(scored, families)
    got = [counts(str(line.get("task", "")), line) for line in lines]
    expected = [count_line(families.get(str(line.get("task", ""))), line) for line in lines]
    assert counts.counted == 0 and counts.reused == len(lines) and counts.whole_hit
    assert got == expected
    assert any(rows and any(v for row in rows for v in row.values()) for rows in expected)  # the corpus shows behaviours
    assert None in expected and [] in expected  # lines without responses, and with none counted


def test_report_without_the_cache_is_the_same_page_and_writes_the_same_cache(scored):
    page, cache = (scored / REPORT_NAME).read_bytes(), (scored / CACHE_NAME).read_bytes()
    (scored / CACHE_NAME).unlink()
    assert rebuilt(scored) == page
    assert (scored / CACHE_NAME).read_bytes() == cache  # deterministic: same counts, same bytes


def spoilers(cache: bytes) -> dict[str, bytes]:
    header, body = cache.split(b"\n", 1)
    head = json.loads(header)
    flipped = bytearray(body)
    flipped[len(flipped) // 2] ^= 0x01
    return {
        "empty": b"",
        "garbage": b"\x00\xff not a cache at all",
        "header only": header + b"\n",
        "truncated body": header + b"\n" + body[: len(body) // 2],
        "a flipped bit": header + b"\n" + bytes(flipped),
        "longer body": header + b"\n" + body + b"\x00\x00\x00\x00",
        "other samples": json.dumps({**head, "samples_sha256": "0" * 64}, sort_keys=True).encode() + b"\n" + body,
        "other size": json.dumps({**head, "samples_size": head["samples_size"] + 1}, sort_keys=True).encode() + b"\n" + body,
        "other detector": json.dumps({**head, "detector": "1" * 64}, sort_keys=True).encode() + b"\n" + body,
        "other format": json.dumps({**head, "format": 99}, sort_keys=True).encode() + b"\n" + body,
        "no newline": header,
        "not utf-8": b"\xff\xfe" + header + b"\n" + body,
        "a list header": b"[1, 2]\n" + body,
    }


def test_a_stale_or_damaged_cache_is_ignored_recounted_and_rewritten(scored):
    page, cache = (scored / REPORT_NAME).read_bytes(), (scored / CACHE_NAME).read_bytes()
    lines, families = lines_and_families(scored)
    for name, spoiled in spoilers(cache).items():
        (scored / CACHE_NAME).write_bytes(spoiled)
        counts = BehaviourCounts(scored, families)
        assert counts.key is not None and counts._cached is None, name  # refused at once
        assert rebuilt(scored) == page, name
        assert (scored / CACHE_NAME).read_bytes() == cache, name


def test_a_cache_of_the_right_key_but_another_file_shape_is_dropped_where_it_stops_fitting(scored):
    lines, families = lines_and_families(scored)
    key = cache_key(scored / "samples.jsonl", None, families)
    assert key is not None
    body = read_cache(scored / CACHE_NAME, key)
    assert body is not None
    forged = body[:]
    forged[0] = forged[0] + 1  # the first line claims one response more than it has
    write_cache(scored / CACHE_NAME, key, forged)
    counts = BehaviourCounts(scored, families)
    got = [counts(str(line.get("task", "")), line) for line in lines]
    assert got == [count_line(families.get(str(line.get("task", ""))), line) for line in lines]
    assert counts.counted > 0 and counts.reused == 0 and not counts.whole_hit
    assert counts.save() and read_cache(scored / CACHE_NAME, key) == body  # the true counts written back


def test_a_changed_detector_or_family_hook_recounts(scored, monkeypatch):
    page = (scored / REPORT_NAME).read_bytes()
    lines, families = lines_and_families(scored)
    before = detector_fingerprint(families)
    changed = {**traces.BEHAVIOUR_PATTERNS, "verification": (*traces.BEHAVIOUR_PATTERNS["verification"], r"\bzzqx\b")}
    with monkeypatch.context() as patch:
        patch.setattr(traces, "BEHAVIOUR_PATTERNS", changed)
        assert detector_fingerprint(families) not in (before, None)
        assert BehaviourCounts(scored, families)._cached is None
    with monkeypatch.context() as patch:
        patch.setattr(traces, "MAX_TRACE_CHARS", 1000)
        assert detector_fingerprint(families) != before
    assert detector_fingerprint(families) == before
    family = next(iter(families.values()))

    def other_hook(text):
        return {}

    fake = {task: SimpleNamespace(name=family.name, trace_markers=family.trace_markers, behaviour_markers=other_hook) for task in families}
    assert detector_fingerprint(fake) not in (before, None)
    no_hook = {task: SimpleNamespace(name=family.name, trace_markers=family.trace_markers, behaviour_markers=None) for task in families}
    assert detector_fingerprint(no_hook) not in (before, None, detector_fingerprint(fake))
    assert detector_fingerprint({task: SimpleNamespace(name="other", trace_markers=(), behaviour_markers=None) for task in families}) not in (
        before, detector_fingerprint(no_hook))
    from functools import partial

    bound = {task: SimpleNamespace(name=family.name, trace_markers=(), behaviour_markers=partial(other_hook)) for task in families}
    assert detector_fingerprint(bound) not in (before, None, detector_fingerprint(fake))  # the wrapped function's source
    for hook in (SimpleNamespace(), len):  # no name to find, or no source file: nothing is cached
        unknown = {task: SimpleNamespace(name=family.name, trace_markers=(), behaviour_markers=hook) for task in families}
        assert detector_fingerprint(unknown) is None
        assert BehaviourCounts(scored, unknown).key is None
    assert rebuilt(scored) == page


def test_a_cache_that_cannot_be_written_is_no_error(scored, tmp_path):
    lines, families = lines_and_families(scored)
    key = cache_key(scored / "samples.jsonl", file_sha256(scored / "samples.jsonl"), families)
    assert key is not None
    assert key == cache_key(scored / "samples.jsonl", None, families)
    assert write_cache(tmp_path / "missing" / CACHE_NAME, key, read_cache(scored / CACHE_NAME, key)) is False
    assert not (tmp_path / "missing").exists()
    (tmp_path / "dir" / CACHE_NAME).mkdir(parents=True)  # a folder where the cache should be: read as no cache
    assert read_cache(tmp_path / "dir" / CACHE_NAME, key) is None
    assert write_cache(tmp_path / "dir" / CACHE_NAME, key, read_cache(scored / CACHE_NAME, key)) is False
    assert [p.name for p in (tmp_path / "dir").iterdir()] == [CACHE_NAME]  # no temporary file left


def test_report_on_read_only_storage_counts_and_serves_without_the_cache(scored, tmp_path):
    import shutil

    from storage_helpers import read_only

    from harness.report.html import render_report

    folder = tmp_path / "ro" / scored.name  # the page names its folder
    shutil.copytree(scored, folder)
    page = (folder / REPORT_NAME).read_text(encoding="utf-8")
    (folder / CACHE_NAME).unlink()
    with read_only(folder):
        assert render_report(folder) == page  # counted, the cache not kept, no error
        assert not (folder / CACHE_NAME).exists()
