"""Families are plugins: one written in a temporary folder outside the package runs through `list`,
`generate`, `score`, `run` and `export-lmeval` with --include; and the engine names no family."""

from __future__ import annotations

import ast
import io
import json
import re
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

from tests.plugin_examples import FAMILY_CODE

REPO = Path(__file__).resolve().parents[1]

def harness(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env_cmd = [sys.executable, "-m", "harness", *args]
    return subprocess.run(env_cmd, cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture
def plugin_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "my_families" / "plussum"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text(FAMILY_CODE)
    return tmp_path / "my_families"


def test_a_family_outside_the_package_lists_generates_scores_and_exports(plugin_dir: Path, tmp_path: Path):
    work = tmp_path / "work"
    work.mkdir()
    listed = harness("list", "--include", str(plugin_dir), cwd=work)
    assert listed.returncode == 0, listed.stderr
    assert "plussum" in listed.stdout and "plussum-big" in listed.stdout and "countdown" in listed.stdout

    samples = work / "samples.jsonl"
    generated = harness("generate", "plussum", "--include", str(plugin_dir), "--n", "6", "--seed", "2", "--out", str(samples), cwd=work)
    assert generated.returncode == 0, generated.stderr
    rows = [json.loads(line) for line in samples.read_text().splitlines()]
    assert len(rows) == 6
    predictions = work / "preds.jsonl"
    # half right, half wrong
    predictions.write_text("".join(json.dumps({"id": row["id"], "response": str(row["gold"] + (i % 2))}) + "\n"
                                   for i, row in enumerate(rows)))
    scored = harness("score", "plussum", "--include", str(plugin_dir), "--data", str(samples), "--predictions", str(predictions),
                     "--out", str(work / "scored"), cwd=work)
    assert scored.returncode == 0, scored.stderr
    metrics = json.loads((work / "scored" / "metrics.json").read_text())
    row = next(r for r in metrics["rows"] if r["task"] == "plussum")
    assert row["metrics"]["accuracy"]["value"] == pytest.approx(0.5)

    out = work / "yamls"
    exported = harness("export-lmeval", "--include", str(plugin_dir), "--out", str(out), cwd=work)
    assert exported.returncode == 0, exported.stderr
    yaml_text = (out / "plussum" / "lmeval" / "plussum.yaml").read_text()
    assert "harness_task: plussum" in yaml_text and f"harness_include: {json.dumps(str(plugin_dir.resolve()))}" in yaml_text
    assert (out / "countdown" / "lmeval" / "countdown.yaml").is_file()
    checked = harness("export-lmeval", "--include", str(plugin_dir), "--out", str(out), "--check", cwd=work)
    assert checked.returncode == 0, checked.stderr


def test_the_lmeval_hooks_load_an_included_family(plugin_dir: Path, tmp_path: Path):
    """lm-eval's process knows nothing of --include: the YAML's harness_include makes the hooks import it."""
    code = ("from harness.interop.lmeval.hooks import load_dataset; "
            f"d = load_dataset('plussum', seed=1, limit=3, harness_include={str(plugin_dir)!r}); "
            "print(len(d['test']), d['test'][0]['harness_user'])")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("3 What is ")


@pytest.mark.model
def test_a_plugin_family_runs_on_the_embedded_model(plugin_dir: Path, tmp_path: Path):
    done = harness("run", "plussum", "--include", str(plugin_dir), "--limit", "2", "--threads", "1", "--no-progress",
                   "--results-dir", str(tmp_path / "results"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    run_dirs = [p for p in (tmp_path / "results").iterdir() if p.name.startswith("plussum")]
    lines = (run_dirs[0] / "samples.jsonl").read_text().splitlines()
    assert len(lines) == 2 and all(json.loads(line)["responses"] for line in lines)


def test_include_errors_are_one_clear_line(tmp_path: Path):
    missing = harness("list", "--include", str(tmp_path / "nope"), cwd=tmp_path)
    assert missing.returncode == 2 and "no such folder" in missing.stderr and len(missing.stderr.strip().splitlines()) == 1
    (tmp_path / "empty").mkdir()
    empty = harness("list", "--include", str(tmp_path / "empty"), cwd=tmp_path)
    assert empty.returncode == 2 and "no plugin package found" in empty.stderr


def test_the_engine_names_no_family():
    """`grep countdown|sudoku|reversal|counterbench|lr2bench harness/` finds only docs and examples:
    no import, name check or string convention in engine code. Comments, docstrings and help
    examples are allowed; anything else fails here."""
    pattern = re.compile(r"countdown|sudoku|reversal|counterbench|lr2bench", re.I)
    offenders = []
    for path in sorted((REPO / "harness").rglob("*.py")):
        source = path.read_text(encoding="utf-8")

        doc_lines: set[int] = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
                first = node.body[0]
                if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                    doc_lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT or token.start[0] in doc_lines:
                continue
            if token.type in (tokenize.NAME, tokenize.STRING) and pattern.search(token.string):
                if token.type == tokenize.STRING and _is_help_example(source, token):
                    continue
                offenders.append(f"{path.relative_to(REPO)}:{token.start[0]}: {token.string[:60]}")
    assert not offenders, "engine code names a family:\n" + "\n".join(offenders)


def _is_help_example(source: str, token) -> bool:
    """Strings in help= / description= / error-message examples ("e.g. countdown") are documentation."""
    line = source.splitlines()[token.start[0] - 1]
    return "e.g." in token.string or "help=" in line or "description=" in line


def test_the_fast_entry_point_reader_agrees_with_importlib_metadata():
    from importlib import metadata

    from harness.core.plugins import COMMAND_GROUP, FAMILY_GROUP, entry_points

    for group in (FAMILY_GROUP, COMMAND_GROUP, "console_scripts"):
        ours = {(ep.name, ep.value) for ep in entry_points(group)}
        theirs = {(ep.name, ep.value) for ep in metadata.entry_points(group=group)}
        assert ours == theirs, group
    assert {"countdown", "counterbench", "lr2bench", "reversal", "sudoku"} <= {ep.name for ep in entry_points(FAMILY_GROUP)}
