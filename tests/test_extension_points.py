"""The extension points as a user outside the repo meets them: a backend, a family (with declared
metrics) and a strategy written in a temporary folder run through `harness run --include`, through a
real installed distribution's entry points, and through the Python API (`harness.evaluate`,
`harness.load_run(...).to_pandas()`); the engine's rooms import each other one way only."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.plugin_examples import BACKEND_CODE, FAMILY_CODE, STRATEGY_CODE

REPO = Path(__file__).resolve().parents[1]

def write_plugins(root: Path) -> Path:
    """One plugin package holding the three kinds: what --include imports, and what a
    distribution installs."""
    package = root / "myplugins"
    package.mkdir(parents=True)
    (package / "backend.py").write_text(BACKEND_CODE)
    (package / "family.py").write_text(FAMILY_CODE)
    (package / "strategy.py").write_text(STRATEGY_CODE)
    (package / "__init__.py").write_text(
        "import harness\nfrom myplugins import family, strategy  # noqa: F401 (they register themselves)\n"
        "harness.register_backend('adder', 'myplugins.backend:AdderBackend', 'adds two numbers')\n")
    return root


def harness_cli(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def check_run_folder(run_dir: Path, strategy: bool = False) -> None:
    metrics = json.loads((run_dir / "metrics.json").read_text())
    row = next(r for r in metrics["rows"] if r["task"] == "plussum" and r["group"] == "")
    accuracy = row["metrics"]["accuracy"]
    lines = [json.loads(line) for line in (run_dir / "samples.jsonl").read_text().splitlines()]
    assert accuracy["value"] == pytest.approx(sum(line["sample"]["a"] % 2 == 0 for line in lines) / len(lines))
    assert accuracy["ci_method"] == "wilson" and row["metrics"]["off_by"]["ci_method"] == "pseudo-count"  # range 0..100
    info = metrics["metric_info"]["plussum"]
    assert info["off_by"]["higher_is_better"] is False and info["accuracy"]["kind"] == "binary"
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["backend"] == {"name": "adder", "offset": 0}
    if strategy:
        assert all([step["label"] for step in line["trace"]] == ["first", "second"] for line in lines)
        assert row["metrics"]["agreed"]["value"] == 1.0 and info["agreed"]["higher_is_better"] is None


def test_a_backend_family_and_strategy_outside_the_repo_run_with_include(tmp_path):
    plugins = write_plugins(tmp_path / "plugins")
    work = tmp_path / "work"
    work.mkdir()
    listed = harness_cli("list", "--include", str(plugins), cwd=work)
    assert listed.returncode == 0, listed.stderr
    assert "plussum" in listed.stdout and "adder" in listed.stdout and "ask-twice" in listed.stdout
    done = harness_cli("run", "plussum", "--include", str(plugins), "--model", "adder:any", "--limit", "8", "--no-progress",
                       "--out", str(work / "run"), cwd=work)
    assert done.returncode == 0, done.stderr
    check_run_folder(work / "run")
    twice = harness_cli("run", "plussum", "--include", str(plugins), "--model", "adder:any", "--limit", "8", "--no-progress",
                        "--strategy", "ask-twice", "--out", str(work / "twice"), cwd=work)
    assert twice.returncode == 0, twice.stderr
    check_run_folder(work / "twice", strategy=True)
    typo = harness_cli("run", "plussum", "--include", str(plugins), "--model", "adder:any", "--backend-option", "ofset=1",
                       "--limit", "2", cwd=work)
    assert typo.returncode == 2 and "unknown backend option 'ofset' for adder (did you mean 'offset'?)" in typo.stderr


def test_an_installed_distribution_plugs_in_through_entry_points(tmp_path):
    """A real `pip install` of a package declaring the three entry-point groups; no --include."""
    source = write_plugins(tmp_path / "src")
    (source / "myplugins" / "__init__.py").write_text("")  # installed: the entry points do the registering
    (source / "pyproject.toml").write_text(textwrap.dedent('''
        [build-system]
        requires = ["setuptools>=68"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "myplugins"
        version = "0.1"

        [project.entry-points."reasoning_harness.families"]
        plussum = "myplugins.family"

        [project.entry-points."reasoning_harness.backends"]
        adder = "myplugins.backend:AdderBackend"

        [project.entry-points."reasoning_harness.strategies"]
        ask-twice = "myplugins.strategy"

        [tool.setuptools]
        packages = ["myplugins"]
    '''))
    site = tmp_path / "site"
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--no-build-isolation",
                                "--target", str(site), str(source)], capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    assert (next(site.glob("myplugins-0.1.dist-info")) / "entry_points.txt").is_file()
    work = tmp_path / "work"
    work.mkdir()
    import os

    env = {"PYTHONPATH": os.pathsep.join([str(site), *filter(None, [os.environ.get("PYTHONPATH")])])}
    done = harness_cli("run", "plussum", "--model", "adder:any", "--limit", "8", "--no-progress", "--strategy", "ask-twice",
                       "--out", str(work / "run"), cwd=work, env=env)
    assert done.returncode == 0, done.stderr
    check_run_folder(work / "run", strategy=True)
    listed = harness_cli("list", cwd=work, env=env)
    assert "adder" in listed.stdout and "myplugins.backend:AdderBackend (installed plugin)" in listed.stdout


@pytest.fixture
def private_registries(monkeypatch):
    """Registrations made by a test vanish after it (the registries are process-wide)."""
    import harness.backends as backends
    import harness.core.plugins as plugins
    import harness.core.registry as registry
    import harness.strategies.registry as strategies

    strategies.load_strategies()  # the installed plugins first, so the copies below hold them
    backends.available_backends()
    monkeypatch.setattr(plugins, "INCLUDED", list(plugins.INCLUDED))
    monkeypatch.setattr(registry, "_FAMILIES", dict(registry._FAMILIES))
    monkeypatch.setattr(backends, "_REGISTERED", dict(backends._REGISTERED))
    monkeypatch.setattr(strategies, "_STRATEGIES", dict(strategies._STRATEGIES))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.split(".")[0] == "myplugins":
            del sys.modules[name]


def test_the_python_api_runs_loads_and_tabulates(tmp_path, monkeypatch, private_registries):
    import harness

    monkeypatch.syspath_prepend(str(write_plugins(tmp_path / "plugins")))
    harness.include_plugins(tmp_path / "plugins")
    results = harness.evaluate("plussum", model="adder:any", limit=8, seed=3, results_dir=tmp_path / "results", progress=False)
    assert results.run_dir.parent == tmp_path / "results" and results.failures == []
    check_run_folder(results.run_dir)
    table = results.to_pandas()
    assert list(table.columns) == ["task", "group", "metric", "primary", "value", "ci_low", "ci_high", "n", "ci_method", "kind",
                                   "higher_is_better", "description"]
    accuracy = table[(table.metric == "accuracy") & (table.group == "")].iloc[0]
    assert accuracy.primary and accuracy.kind == "binary" and accuracy.ci_low <= accuracy.value <= accuracy.ci_high
    assert bool(table[table.metric == "off_by"].iloc[0].higher_is_better) is False
    loaded = harness.load_run(results.run_dir)
    assert loaded.value().value == results.value("plussum").value == accuracy.value
    assert len(loaded.samples) == 8 and loaded.manifest["model"] == "adder:any"
    # the same call again: every answer from the cache, the same folder, the same numbers
    again = harness.evaluate("plussum", model="adder:any", limit=8, seed=3, results_dir=tmp_path / "results", progress=False)
    assert again.run_dir == results.run_dir and again.manifest["requests"]["sent_to_backend"] == 0
    # an answer-changing backend option is a new cache namespace and a new folder
    shifted = harness.evaluate("plussum", model="adder:any", limit=8, seed=3, results_dir=tmp_path / "results",
                               backend_options={"offset": 1, "pace": "slow"}, progress=False)
    assert shifted.run_dir != results.run_dir and shifted.manifest["requests"]["sent_to_backend"] == 8
    paced = harness.evaluate("plussum", model="adder:any", limit=8, seed=3, results_dir=tmp_path / "results",
                             backend_options={"pace": "fast"}, progress=False)
    assert paced.manifest["requests"]["sent_to_backend"] == 0  # transport-only: the first run's answers
    scored = harness.score("plussum", [{"id": line["id"], "response": str(line["sample"]["gold"])} for line in loaded.samples],
                           seed=3, limit=8, out=tmp_path / "scored")
    assert scored.value().value == 1.0


ROOMS = ("core", "parsing", "strategies", "pipeline", "report", "backends", "interop", "cli")
# who may import whom: the flow runs one way (core <- strategies <- pipeline -> report), never back
ALLOWED = {
    "core": set(),
    "parsing": {"core"},
    "strategies": {"core"},
    "backends": {"core"},
    "report": {"core", "parsing"},
    "pipeline": {"core", "backends", "strategies", "report", "parsing"},
    "interop": {"core", "pipeline", "report", "backends"},
    "cli": set(ROOMS) - {"cli"},
}


def test_the_engine_rooms_import_each_other_one_way_only():
    """Every import of the engine, at module level or inside a function, follows ALLOWED: no cycles
    between the rooms (the pipeline <-> report and parsing <-> report cycles are gone)."""
    wrong = []
    for path in sorted((REPO / "harness").rglob("*.py")):
        relative = path.relative_to(REPO / "harness").parts
        room = relative[0] if len(relative) > 1 else None
        if room not in ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else (
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else [])
            for name in names:
                parts = name.split(".")
                if parts[0] == "harness" and len(parts) > 1 and parts[1] in ALLOWED and parts[1] != room:
                    if parts[1] not in ALLOWED[room]:
                        wrong.append(f"{path.relative_to(REPO)} imports {name}")
    assert not wrong, wrong


def test_import_harness_stays_light():
    code = ("import sys, harness; harness.__version__; "
            "print(sorted(m for m in ('torch', 'transformers', 'numpy', 'pandas', 'openai', 'lm_eval', 'harness.pipeline.runner')"
            " if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert done.stdout.strip() == "[]"


def test_studies_use_only_the_public_api():
    """A study is built like an out-of-tree one: from `harness` and `harness.study`, never the rooms."""
    wrong = []
    for path in sorted((REPO / "studies").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else (
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else [])
            wrong += [f"{path.relative_to(REPO)} imports {name}" for name in names
                      if name.split(".")[0] == "harness" and name not in ("harness", "harness.study")]
    assert not wrong, wrong


@pytest.mark.model
def test_the_readme_python_example_runs_as_written(tmp_path):
    """The README's Python example, as a user would paste it, on the embedded model."""
    import os
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## From Python"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "HARNESS_RESULTS_DIR": str(tmp_path / "results")})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "accuracy" in done.stdout and "wilson" in done.stdout
    assert any((tmp_path / "results").glob("countdown-3__local__*/metrics.json"))
