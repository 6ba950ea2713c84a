"""max_tokens fitted to the model's context (recorded in the manifest, noted under the table), and
failed samples summarised by cause, with re-run advice only where a re-run can help."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from harness.backends.base import fit_max_tokens, prompt_fills_context
from harness.core.errors import is_permanent_error, permanent_error
from harness.core.types import Generation, Request, ScoredSample
from harness.pipeline.runner import RunSpec, failure_summary, run
from harness.report.tables import format_table
from tests.fake_backend import FakeCountdownBackend

CONTEXT = 60


class SmallContextBackend(FakeCountdownBackend):
    """Answers like the fake Countdown backend, in a context of CONTEXT tokens: a prompt of p tokens
    gets at most CONTEXT - p new tokens, as the real engines fit it."""

    def generate(self, requests: Sequence[Request]) -> Iterator[tuple[int, Generation]]:
        for index, request in enumerate(requests):
            prompt_tokens = 20 + index % 3
            limit = fit_max_tokens(request.settings.max_tokens, prompt_tokens, CONTEXT)
            fitted = limit if limit < request.settings.max_tokens else None
            yield index, Generation(texts=[self._answer(request)], finish_reasons=["stop"], prompt_tokens=prompt_tokens,
                                    completion_tokens=[5], max_tokens=fitted)


def test_fit_max_tokens_keeps_what_fits_and_fits_what_does_not():
    assert fit_max_tokens(100, 20, 8192) == 100
    assert fit_max_tokens(32768, 2000, 8192) == 6192
    assert fit_max_tokens(50, 9000, 8192) == 0
    assert fit_max_tokens(50, 9000, None) == 50  # a backend that does not know its context sends as asked
    assert is_permanent_error(prompt_fills_context(9000, 8192))


def test_a_fitted_run_records_it_in_the_manifest_and_notes_it_under_the_table(tmp_path):
    spec = RunSpec(tasks=["countdown"], limit=6, results_dir=str(tmp_path), out=str(tmp_path / "run"), progress=False)
    outcome = run(spec, backend_factory=lambda m, o: SmallContextBackend())
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    fitted = manifest["tasks"]["countdown"]["max_tokens_fitted"]
    assert fitted["asked"] == 1024 and (fitted["fitted_min"], fitted["fitted_max"]) == (38, 40) and fitted["samples"] == 6
    table = format_table(outcome.rows)
    assert table.splitlines()[-1] == ("note: countdown: max_tokens 1024 is more than the model's context leaves: fitted to"
                                      " the context minus the prompt (38-40 tokens) for 6 samples")
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    rows = metrics["rows"] if isinstance(metrics, dict) and "rows" in metrics else metrics
    assert any(row.get("notes") for row in rows)


def test_a_run_that_fits_nothing_records_nothing(tmp_path):
    spec = RunSpec(tasks=["countdown"], limit=3, results_dir=str(tmp_path), out=str(tmp_path / "run"), progress=False)
    outcome = run(spec, backend_factory=lambda m, o: FakeCountdownBackend())
    assert "max_tokens_fitted" not in json.loads((tmp_path / "run" / "manifest.json").read_text())["tasks"]["countdown"]
    assert "note:" not in format_table(outcome.rows)


def failed(*errors: str) -> dict[str, list[ScoredSample]]:
    return {"t": [ScoredSample(sample={"id": str(i)}, verdicts=[], scores={}, error=e) for i, e in enumerate(errors)]}


def test_failures_are_grouped_by_cause_not_by_the_numbers_in_them():
    errors = [prompt_fills_context(8200 + i, 8192) for i in range(40)]
    lines = failure_summary(failed(*errors))
    assert len(lines) == 1
    assert lines[0].startswith("40 samples failed: the prompt (8200 tokens) fills the model's context of 8192 tokens")
    assert "(first of 40; see samples.jsonl)" in lines[0]
    assert "re-run" not in lines[0]  # a re-run fails the same way: no advice to try it


def test_a_transient_failure_keeps_its_re_run_advice_and_a_refusal_does_not():
    lines = failure_summary(failed("connection refused at http://127.0.0.1:9/v1 after 6 retries",
                                   "connection refused at http://127.0.0.1:9/v1 after 6 retries",
                                   permanent_error("HTTP 400: bad request", "the server refused this request")))
    assert lines == ["2 samples failed: connection refused at http://127.0.0.1:9/v1 after 6 retries;"
                     " re-run the same command to retry them",
                     "1 sample failed: HTTP 400: bad request (not retried: the server refused this request)"]
