"""Runs are kept apart by their settings: every setting is in the manifest, a scoring with other
settings gets its own folder, and the leaderboard has one row per model x task x settings."""

from __future__ import annotations

import json

from harness.cli import main
from harness.pipeline.runner import GenerationOverrides, RunSpec, run
from harness.report.leaderboard import find_run_dirs, format_leaderboard, leaderboard_rows
from tests.fake_backend import FakeCountdownBackend


def fake_run(tmp_path, **spec):
    return run(RunSpec(tasks=["countdown"], limit=4, results_dir=str(tmp_path), progress=False, **spec),
               backend_factory=lambda m, o: FakeCountdownBackend())


def test_a_sampled_run_gets_its_own_row_beside_the_greedy_one(tmp_path):
    fake_run(tmp_path)
    fake_run(tmp_path, overrides=GenerationOverrides(n=4, temperature=1.0))
    fake_run(tmp_path, settings={"template": "base"})
    fake_run(tmp_path)  # the same greedy run again: still one row for it
    rows = leaderboard_rows(find_run_dirs([str(tmp_path)]))
    assert len(rows) == 3
    by_settings = {(r["samples_per_prompt"], r["temperature"], r["settings"]) for r in rows}
    assert by_settings == {(1, 0.0, ""), (4, 1.0, ""), (1, 0.0, "template=base")}
    table = format_leaderboard(rows)
    assert "samples=4 T=1.0" in table and "template=base" in table


def test_every_setting_of_a_run_is_in_its_manifest(tmp_path):
    outcome = fake_run(tmp_path, settings={"template": "base"}, overrides=GenerationOverrides(max_tokens=64))
    manifest = json.loads((outcome.run_dir / "manifest.json").read_text())
    settings = manifest["settings"]
    assert settings["set"] == {"template": "base"} and settings["generation_overrides"]["max_tokens"] == 64
    assert settings["backend_options"]["batch_size"] == 8 and settings["limit"] == 4
    assert manifest["tasks"]["countdown"]["differs_from_family_defaults"] == {"template": "base"}
    report = (outcome.run_dir / "report.html").read_text(encoding="utf-8")
    assert "<b>every setting</b>" in report and "&#39;template&#39;: &#39;base&#39;" in report


def test_a_strict_scoring_never_overwrites_the_default_one(tmp_path, capsys):
    samples, preds = tmp_path / "items.jsonl", tmp_path / "preds.jsonl"
    assert main(["generate", "lr2bench-generated", "--n", "2", "--seed", "1", "--out", str(samples)]) == 0
    ids = [json.loads(line)["id"] for line in samples.read_text().splitlines()]
    preds.write_text("".join(json.dumps({"id": i, "response": "<Answer>[]</Answer>"}) + "\n" for i in ids))
    base = ["score", "lr2bench-generated", "--data", str(samples), "--predictions", str(preds), "--results-dir", str(tmp_path)]
    assert main(base) == 0 and main([*base, "--set", "scoring=strict"]) == 0
    folders = sorted(p for p in tmp_path.iterdir() if (p / "manifest.json").is_file())
    assert len(folders) == 2
    manifests = [json.loads((f / "manifest.json").read_text()) for f in folders]
    assert sorted(m["settings"]["set"].get("scoring", "") for m in manifests) == ["", "strict"]
    strict = next(m for m in manifests if m["settings"]["set"])
    assert strict["tasks"]["lr2bench-generated"]["differs_from_family_defaults"]["scoring"] == "strict"
    assert strict["seed"] == 0
    rows = leaderboard_rows(find_run_dirs([str(tmp_path)]))
    assert sorted(r["settings"] for r in rows) == ["", "scoring=strict"]


def test_the_pivot_has_one_row_per_model_and_settings_and_one_column_per_task(tmp_path):
    import urllib.request

    from harness.report.leaderboard import pivot
    from harness.report.view import serve_in_thread

    fake_run(tmp_path)
    fake_run(tmp_path, overrides=GenerationOverrides(n=4, temperature=1.0))
    run(RunSpec(tasks=["counterbench"], limit=4, results_dir=str(tmp_path), progress=False),
        backend_factory=lambda m, o: FakeCountdownBackend())
    tasks, rows = pivot(leaderboard_rows(find_run_dirs([str(tmp_path)])))
    assert tasks == ["countdown", "counterbench"]
    assert [label for label, _ in rows] == ["local", "local · --samples=4, --temperature=1.0"]
    assert set(rows[0][1]) == {"countdown", "counterbench"} and set(rows[1][1]) == {"countdown"}
    server, _ = serve_in_thread(tmp_path)
    try:
        page = urllib.request.urlopen(f"http://127.0.0.1:{server.server_address[1]}/").read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert '<section id="pivot">' in page and "local · --samples=4, --temperature=1.0" in page
