"""Every command in README.md and docs/ runs as typed, so none can rot.

The convention (docs/developing.md, "The docs test"): fenced `bash` blocks run as `bash -e` scripts
and `python` blocks with this environment's Python, page by page, in a scratch folder that looks like
a clone of the repository plus small copies of the data files the pages name. API commands reach the
fake OpenAI server; `--limit` and friends are capped so the whole test takes minutes. A block after
`<!-- docs-test: serves -->` starts a server that must answer and then stop on Ctrl-C; a block after
`<!-- docs-test: skip (reason) -->` is not run, and such blocks must be few and say why.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fake_openai_server import FakeOpenAIServer

ROOT = Path(__file__).resolve().parents[1]
MAX_SKIPPED_BLOCKS = 8  # GPUs, clusters, hub downloads, hours of training: docs/developing.md
RUN_LANGUAGES = {"bash", "python"}
SHOWN_LANGUAGES = {"", "text", "json", "toml", "yaml"}  # output and file contents: never run
COMMAND_TIMEOUT_S = 600
CAPS = {"--limit": 2, "--n": 2, "--samples": 2, "--max-tokens": 32, "BENCH_LIMIT": 1, "BENCH_MAX_TOKENS": 32,
        "attempts": 2}  # a strategy option (docs/extending/strategy.md)
PYTHON_CAPS = {"limit": 2, "max_tokens": 32, "samples": 2}
NOT_RUN_LINES = re.compile(r"^\s*make (test|test-fast|lint)\b")  # `make test` is what runs this test
RUN_COMMAND = re.compile(r"^\s*harness run ")  # gets --max-tokens 32 when it gives none
INCLUDE = re.compile(r'\{%\s*include-markdown\s+"([^"]+)"[^%]*%\}')
MARK = re.compile(r"<!--\s*docs-test:\s*(\w+)\s*(?:\((.*)\))?\s*-->")
FENCE = re.compile(r"^```\s*([\w-]*)")
TITLE = re.compile(r'title="([^"]+)"')


@dataclass(frozen=True)
class Block:
    source: Path  # the file the block is written in (an included README, or the page itself)
    line: int
    language: str
    code: str
    mark: str | None = None
    reason: str | None = None
    file: str | None = None  # ```python title="my_plugins/x/__init__.py": the block is that file's content

    @property
    def where(self) -> str:
        return f"{self.source.relative_to(ROOT)}:{self.line}"


def doc_pages() -> list[Path]:
    return [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").rglob("*.md") if "hooks" not in p.parts)]


def blocks_in(path: Path) -> list[Block]:
    """The fenced blocks of a file, with the blocks of the files it includes in place."""
    blocks: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    fence: tuple[int, str, list[str], str | None, str | None, str | None] | None = None
    previous = ""
    for number, line in enumerate(lines, 1):
        if fence is None:
            include = INCLUDE.search(line)
            if include:
                blocks.extend(blocks_in((path.parent / include.group(1)).resolve()))
            opening = FENCE.match(line)
            if opening:
                mark = MARK.search(previous)
                title = TITLE.search(line)
                fence = (number, opening.group(1), [], mark.group(1) if mark else None, mark.group(2) if mark else None,
                         title.group(1) if title else None)
            elif line.strip():
                previous = line
        elif line.startswith("```"):
            start, language, body, mark_name, reason, file = fence
            blocks.append(Block(path, start, language, "\n".join(body) + "\n", mark_name, reason, file))
            fence, previous = None, ""
        else:
            fence[2].append(line)
    return blocks


def page_blocks() -> dict[str, list[Block]]:
    """Runnable blocks per page; a block included by several pages runs on the first only."""
    seen: set[tuple[Path, int]] = set()
    pages: dict[str, list[Block]] = {}
    for page in doc_pages():
        fresh = [b for b in blocks_in(page) if (b.source, b.line) not in seen]
        seen.update((b.source, b.line) for b in fresh)
        runnable = [b for b in fresh if b.language in RUN_LANGUAGES]
        if runnable:
            pages[str(page.relative_to(ROOT))] = runnable
    return pages


def small(code: str, base_url: str) -> str:
    """The command with the test's caps applied (docs/developing.md lists them); nothing else changes."""
    for option, cap in CAPS.items():
        pattern = rf"(?<![\w-])({re.escape(option)}[ =])(\d+)\b"
        code = re.sub(pattern, lambda m, cap=cap: f"{m.group(1)}{min(int(m.group(2)), cap)}", code)
    for keyword, cap in PYTHON_CAPS.items():  # harness.evaluate(..., limit=5, max_tokens=256) in Python blocks
        code = re.sub(rf"\b({keyword}=)(\d+)\b", lambda m, cap=cap: f"{m.group(1)}{min(int(m.group(2)), cap)}", code)
    code = code.replace("http://127.0.0.1:8000/v1", base_url)
    lines = []
    for line in code.replace("\\\n", " ").splitlines():  # one line per command
        if NOT_RUN_LINES.match(line):
            line = "true  # not run by the docs test"
        elif RUN_COMMAND.match(line) and "--max-tokens" not in line:
            command, hash_, comment = line.partition(" #")
            line = f"{command.rstrip()} --max-tokens {CAPS['--max-tokens']}" + (f"  #{comment}" if hash_ else "")
        lines.append(line)
    return "\n".join(lines) + "\n"


# --- the scratch clone -------------------------------------------------------------------------

LR2BENCH_REFERENCE = ROOT.parent / "shared" / "reference" / "lr2bench" / "data"  # the original 850 items
LINKED = (".venv", ".ci", "Makefile", "pyproject.toml", "harness", "studies", "tests", "bench", "docs", "mkdocs.yml")


def make_scratch_clone(folder: Path, shared_cache: Path) -> None:
    """A folder that looks like a clone (links to this one; tasks/ copied, since export-lmeval writes
    there) with the original-format files the pages name, made from tests/fixtures."""
    folder.mkdir(parents=True)
    for name in LINKED:
        if (ROOT / name).exists():
            (folder / name).symlink_to(ROOT / name)
    shutil.copytree(ROOT / "tasks", folder / "tasks", ignore=shutil.ignore_patterns("__pycache__"))
    fixtures = ROOT / "tests" / "fixtures"
    shutil.copy(fixtures / "reversal" / "celebrity" / "parent_child_pairs.csv", folder / "parent_child_pairs.csv")
    shutil.copy(fixtures / "counterbench" / "original_format.jsonl", folder / "counterbench.jsonl")
    shutil.copy(fixtures / "mathword" / "gsm8k.jsonl", folder / "gsm8k_test.jsonl")  # GSM8K's own format
    (folder / "LR2Bench").mkdir()
    if LR2BENCH_REFERENCE.is_dir():  # the authors' data/ folder, as a clone of github ZNLP/LR2Bench has it
        (folder / "LR2Bench" / "data").symlink_to(LR2BENCH_REFERENCE, target_is_directory=True)
    else:  # a few levels only: pages that run the whole set are skipped (test_every_command_...)
        shutil.copytree(fixtures / "lr2bench" / "data", folder / "LR2Bench" / "data")
    import pandas as pd

    pd.DataFrame({"target": [24, 10, 51], "nums": [[3, 8, 1, 1], [2, 5, 7, 3], [50, 2, 1, 3]]}).to_parquet(
        folder / "tinyzero_test.parquet")
    (folder / "results").mkdir()
    (folder / "results" / ".cache").symlink_to(shared_cache, target_is_directory=True)


@pytest.fixture(scope="module")
def fake_api():
    with FakeOpenAIServer(latency_s=0.0) as server:
        yield server


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("docs-cache")


def block_env(fake_api: FakeOpenAIServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "HARNESS_RESULTS"))}
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}", HF_HUB_OFFLINE="1",
               TOKENIZERS_PARALLELISM="false", OPENAI_BASE_URL=fake_api.base_url, PYTHONUNBUFFERED="1",
               BENCH_LIMIT=str(CAPS["BENCH_LIMIT"]), BENCH_MAX_TOKENS=str(CAPS["BENCH_MAX_TOKENS"]))
    return env


def run_block(block: Block, folder: Path, env: dict[str, str], base_url: str) -> None:
    if block.file:  # a file the page shows: written where it says, for the blocks after it
        (folder / block.file).parent.mkdir(parents=True, exist_ok=True)
        (folder / block.file).write_text(block.code, encoding="utf-8")
        return
    code = small(block.code, base_url)
    if block.mark == "serves":
        return serve_block(block, code, folder, env)
    argv = ["bash", "-e", "-o", "pipefail", "-c", code] if block.language == "bash" else [sys.executable, "-c", code]
    started = time.monotonic()
    done = subprocess.run(argv, cwd=folder, env=env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S)
    output = (done.stdout + done.stderr)[-4000:]
    assert done.returncode == 0, f"{block.where}: exit {done.returncode}\n--- block as run:\n{code}--- output:\n{output}"
    print(f"{block.where}: {time.monotonic() - started:.1f} s")


def serve_block(block: Block, code: str, folder: Path, env: dict[str, str]) -> None:
    if "harness view" in code and "--port" not in code:
        code = code.replace("harness view", "harness view --port 0")
    process = subprocess.Popen(["bash", "-e", "-c", code], cwd=folder, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 120
        url = None
        assert process.stdout is not None
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            seen.append(line)
            found = re.search(r"http://127\.0\.0\.1:\d+/\S*", line)
            url = found.group(0).rstrip(".,)") if found else None
        assert url, f"{block.where}: the server printed no address\n{''.join(seen)[-3000:]}"
        probe = url if not url.endswith("/v1") else url + "/models"
        with urllib.request.urlopen(probe, timeout=30) as response:
            assert response.status == 200, f"{block.where}: {probe} answered {response.status}"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    assert process.returncode in (0, 130, -signal.SIGINT), f"{block.where}: Ctrl-C gave exit {process.returncode}"


PAGES = page_blocks()


@pytest.mark.model
@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_command_of_the_page_runs_as_typed(page: str, tmp_path: Path, fake_api, shared_cache: Path):
    if "LR2Bench/data" in "".join(b.code for b in PAGES[page]) and not LR2BENCH_REFERENCE.is_dir():
        pytest.skip(f"the whole LR2Bench data set is not here ({LR2BENCH_REFERENCE}); tests/fixtures has a few levels only")
    folder = tmp_path / "clone"
    make_scratch_clone(folder, shared_cache)
    env = block_env(fake_api)
    for block in PAGES[page]:
        if block.mark == "skip":
            continue
        run_block(block, folder, env, fake_api.base_url)


# --- the convention itself ---------------------------------------------------------------------

def all_blocks() -> list[Block]:
    seen: dict[tuple[Path, int], Block] = {}
    for page in doc_pages():
        for block in blocks_in(page):
            seen.setdefault((block.source, block.line), block)
    return list(seen.values())


def test_the_docs_hold_commands_and_every_block_is_run_or_shown():
    blocks = all_blocks()
    runnable = [b for b in blocks if b.language in RUN_LANGUAGES and b.mark != "skip"]
    assert len(runnable) >= 30, f"only {len(runnable)} runnable blocks found: is the parser broken?"
    unknown = [f"{b.where}: ```{b.language}" for b in blocks if b.language not in RUN_LANGUAGES | SHOWN_LANGUAGES]
    assert not unknown, f"mark shell commands as bash (they are run) or output as text: {unknown}"
    shell_in_shown = [b.where for b in blocks if b.language in SHOWN_LANGUAGES
                      and re.search(r"^\s*(harness|make|lm_eval|python) ", b.code, re.M)]
    assert not shell_in_shown, f"commands in blocks that are not run (mark them bash): {shell_in_shown}"
    bad_marks = [f"{b.where}: {b.mark}" for b in blocks if b.mark not in (None, "skip", "serves")]
    assert not bad_marks, f"unknown docs-test marks: {bad_marks}"


def test_skipped_blocks_are_few_and_say_why():
    skipped = [b for b in all_blocks() if b.mark == "skip"]
    unexplained = [b.where for b in skipped if not (b.reason or "").strip()]
    assert not unexplained, f"a skipped block must say why: <!-- docs-test: skip (reason) --> at {unexplained}"
    assert len(skipped) <= MAX_SKIPPED_BLOCKS, "too many skipped docs blocks:\n" + "\n".join(
        f"{b.where}: {b.reason}" for b in skipped)


def documented_files() -> set[Path]:
    """The pages and every file they include."""
    files: set[Path] = set()
    todo = doc_pages()
    while todo:
        path = todo.pop()
        if path not in files:
            files.add(path)
            todo += [(path.parent / m.group(1)).resolve() for m in INCLUDE.finditer(path.read_text(encoding="utf-8"))]
    return files


def test_no_command_hides_in_an_indented_block():
    """Indented code is not fenced, so the docs test would not see it."""
    hidden = []
    for path in documented_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.match(r"^( {4}|\t)(harness|make|lm_eval) ", line):
                hidden.append(f"{path.relative_to(ROOT)}:{number}")
    assert not hidden, f"put these commands in a fenced bash block: {hidden}"


def test_the_readme_is_one_screen():
    readme = (ROOT / "README.md").read_bytes()
    assert len(readme) <= 10_000, f"README.md is {len(readme)} bytes; move detail into docs/"


def test_caps_shrink_limits_and_leave_everything_else_alone():
    code = 'harness run countdown --limit 200 --max-tokens 512 --seed 50 --n 3 --base-url http://127.0.0.1:8000/v1\nmake test\n'
    assert small(code, "http://127.0.0.1:9/v1") == (
        "harness run countdown --limit 2 --max-tokens 32 --seed 50 --n 2 --base-url http://127.0.0.1:9/v1\n"
        "true  # not run by the docs test\n")
    assert small("harness run countdown \\\n    --limit 20   # a comment\n", "") == (
        "harness run countdown      --limit 2 --max-tokens 32  # a comment\n")
    assert small("make bench BENCH_LIMIT=5 BENCH_MAX_TOKENS=16\n", "") == "make bench BENCH_LIMIT=1 BENCH_MAX_TOKENS=16\n"
    assert json.loads(small('{"limit": 50}', "")) == {"limit": 50}  # inside JSON: left as typed
