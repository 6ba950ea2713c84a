"""Run folders that never lie: any text is stored and scored, a folder is one commit (a kill
between the final writes is detected), one writer at a time, and a run that cannot start leaves
no folder behind."""

from __future__ import annotations

import json

import pytest

import harness.report.run_folder as run_folder
from harness.cli import main
from harness.core.errors import HarnessError
from harness.core.jsontext import dumps, original_bytes
from harness.core.run_lock import RunFolderLock
from harness.core.types import Generation
from harness.pipeline.cache import ResponseCache
from harness.pipeline.runner import RunSpec, run
from harness.report.leaderboard import find_run_dirs
from harness.report.run_folder import check_run_folder, read_metrics
from tests.fake_backend import FakeCountdownBackend

HAZARDS = ["\ud83d", "\udfff lone low", "NUL \x00 inside", "\x01\x02\x1b[31m\x7f", "\udcff\udcfe raw bytes",
           "\uffff\ufffe\ufeff", "caf\u00e9 \U0001f600 ok"]


class HazardBackend(FakeCountdownBackend):
    """Answers every prompt with the fake model's text plus one text hazard."""

    def generate(self, requests):
        for index, generation in super().generate(requests):
            hazard = HAZARDS[index % len(HAZARDS)]
            yield index, Generation(texts=[hazard + text for text in generation.texts],
                                    finish_reasons=generation.finish_reasons, prompt_tokens=generation.prompt_tokens,
                                    completion_tokens=generation.completion_tokens)


def spec(tmp_path, out="run", limit=len(HAZARDS), **kwargs) -> RunSpec:
    return RunSpec(tasks=["countdown"], limit=limit, seed=1, results_dir=str(tmp_path), out=str(tmp_path / out),
                   progress=False, **kwargs)


def test_jsontext_round_trips_any_string_and_recovers_the_bytes():
    for text in HAZARDS:
        line = dumps({"t": text})
        line.encode("utf-8")  # never raises
        assert json.loads(line)["t"] == text
    raw = b"ok \xff\xfe\x80 \xc3\xa9"
    assert original_bytes(raw.decode("utf-8", "surrogateescape")) == raw


def test_any_text_is_cached_written_scored_and_read_back_exactly(tmp_path):
    outcome = run(spec(tmp_path), backend_factory=lambda m, o: HazardBackend())
    lines = [json.loads(line) for line in (outcome.run_dir / "samples.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [line["responses"][0][: len(h)] for line, h in zip(lines, HAZARDS)] == HAZARDS
    assert all(line["error"] is None for line in lines)
    assert outcome.rows[0]["n"] == len(HAZARDS)
    assert (outcome.run_dir / "report.html").is_file()  # the HTML view takes any text too
    again = FakeCountdownBackend()  # the re-run is served from the cache, text intact
    second = run(spec(tmp_path, out="again"), backend_factory=lambda m, o: again)
    assert again.asked == [] and second.cache_hits == len(HAZARDS)
    assert (second.run_dir / "samples.jsonl").read_bytes() == (outcome.run_dir / "samples.jsonl").read_bytes()
    check_run_folder(second.run_dir)


def test_harness_score_accepts_predictions_with_lone_surrogates(tmp_path, capsys):
    data = tmp_path / "samples.jsonl"
    assert main(["generate", "countdown", "--n", "2", "--out", str(data)]) == 0
    ids = [json.loads(line)["id"] for line in data.read_text().splitlines()]
    predictions = tmp_path / "preds.jsonl"
    predictions.write_text("".join(json.dumps({"id": i, "response": "\ud83d <answer>1</answer> \x00"}) + "\n" for i in ids))
    assert main(["score", "countdown", "--data", str(data), "--predictions", str(predictions), "--out", str(tmp_path / "s")]) == 0
    lines = [json.loads(line) for line in (tmp_path / "s" / "samples.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [line["responses"] for line in lines] == [["\ud83d <answer>1</answer> \x00"]] * 2
    check_run_folder(tmp_path / "s")


def test_a_kill_between_the_final_writes_is_detected_and_a_re_run_repairs_it(tmp_path, monkeypatch, capsys):
    first = run(spec(tmp_path), backend_factory=lambda m, o: FakeCountdownBackend())
    check_run_folder(first.run_dir)
    real_write_json = run_folder.write_json

    def killed_before_manifest(path, data):
        if path.name == "manifest.json":
            raise SystemExit(137)  # what kill -9 after the metrics rename leaves
        real_write_json(path, data)

    monkeypatch.setattr(run_folder, "write_json", killed_before_manifest)
    with pytest.raises(SystemExit):
        run(spec(tmp_path, limit=3), backend_factory=lambda m, o: FakeCountdownBackend())
    monkeypatch.setattr(run_folder, "write_json", real_write_json)
    with pytest.raises(HarnessError, match="is incomplete .*(finish it with: |re-run the command)"):
        read_metrics(first.run_dir)
    assert main(["report", str(first.run_dir)]) == 2
    assert "is incomplete" in capsys.readouterr().err
    skipped: list[str] = []
    assert find_run_dirs([str(tmp_path)], skipped) == [] and len(skipped) == 1
    again = run(spec(tmp_path, limit=3), backend_factory=lambda m, o: FakeCountdownBackend())
    assert len(read_metrics(again.run_dir)) >= 1 and again.backend_calls == 0


def test_a_folder_without_a_committed_manifest_is_incomplete(tmp_path):
    outcome = run(spec(tmp_path), backend_factory=lambda m, o: FakeCountdownBackend())
    (outcome.run_dir / "manifest.json").unlink()
    with pytest.raises(HarnessError, match="no committed manifest.json"):
        read_metrics(outcome.run_dir)


def test_a_second_run_into_a_locked_folder_stops_at_once_naming_the_pid(tmp_path):
    import os

    holder = RunFolderLock(tmp_path / "run")
    holder.acquire()
    try:
        loaded: list[FakeCountdownBackend] = []
        with pytest.raises(HarnessError, match=rf"run is being written by pid {os.getpid()}; wait"):
            run(spec(tmp_path), backend_factory=lambda m, o: loaded.append(FakeCountdownBackend()) or loaded[-1])
        assert loaded == []  # refused before the model was even loaded (a real one takes seconds)
    finally:
        holder.release()
    assert not (tmp_path / "run").exists()  # the holder created it and committed nothing
    run(spec(tmp_path), backend_factory=lambda m, o: FakeCountdownBackend())  # free again


def test_a_run_that_cannot_start_leaves_no_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(HarnessError, match="no API key"):
        run(RunSpec(tasks=["countdown"], model="openai:gpt-4o-mini", limit=2, results_dir=str(tmp_path), progress=False))
    assert [p.name for p in tmp_path.iterdir()] == [".cache"]  # the shared cache, no run folder

    def refuses(model, options):
        raise HarnessError("backend refused to start")

    with pytest.raises(HarnessError, match="refused"):
        run(spec(tmp_path), backend_factory=refuses)
    assert not (tmp_path / "run").exists()


def test_claims_hand_requests_over_when_their_claimer_is_gone(tmp_path):
    cache = ResponseCache(tmp_path / "c.sqlite")
    assert cache.claim(["a", "b"]) == (["a", "b"], [])
    other = ResponseCache(tmp_path / "c.sqlite")
    other.pid = 2**22 + 12345  # a process that does not exist (above Linux's pid_max)
    assert other.claim(["a", "c"]) == (["c"], ["a"])  # a: claimed by a live run; c: free
    assert other.live_claims(["a", "b"]) == {"a", "b"}
    assert cache.live_claims(["a", "b", "c"]) == set()  # its own claims, and c's claimer is dead
    cache.put("a", Generation(texts=["x"], finish_reasons=["stop"]))
    cache.flush()  # an answer drops its claim when it is committed
    assert other.live_claims(["a", "b"]) == {"b"}
    cache.release(["b"])  # a failed request is handed over
    assert other.live_claims(["a", "b"]) == set()
    assert cache.claim(["c"]) == (["c"], [])  # taken over from the dead claimer
    assert other.claim(["c"], force=True) == (["c"], [])
    cache.close()
    other.close()
