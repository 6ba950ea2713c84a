"""LR2Bench costs on this machine: loading the 850 original items, scoring gold and hostile
responses, building the two-shot requests, and generating fresh instances per level.

Uses ../shared/reference/lr2bench/data when present, else the project's fixtures.
Run: python bench/lr2bench_speed.py
"""

from __future__ import annotations

from _common import REPO_ROOT, figure, timer

from harness.core.registry import get_task
from tasks.lr2bench.generators import make_item
from tasks.lr2bench.instructions import tagged_solution
from tasks.lr2bench.spec import GENERABLE_TASKS, TASK_SPECS

REFERENCE = REPO_ROOT.parent / "shared" / "reference" / "lr2bench" / "data"
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "lr2bench" / "data"
MEGABYTE = 1_000_000
HOSTILE = {
    "1 MB of '{' inside <Answer>": "<Answer>" + "{" * MEGABYTE + "</Answer>",
    "1 MB of unclosed '[['": "<Answer>" + "[[" * (MEGABYTE // 2),
    "200k nested '[' (under the size cap)": "<Answer>" + "[" * 199_000 + "]" * 1000 + "</Answer>",
    "eval payload": "<Answer>{'1-ACROSS': __import__('os').system('true')}</Answer>",
    "1 MB of text, no tags": "x" * MEGABYTE,
    "100k <Answer> tags": "<Answer>{}</Answer>" * 100_000,
}


def main() -> None:
    if REFERENCE.is_dir():
        source, task = REFERENCE, get_task("lr2bench")
    else:
        source, task = FIXTURES, get_task("lr2bench", {"level": "5_5,easy,4_4,4_4_easy"})
    print(f"data: {source}")
    with timer() as load:
        samples = list(task.family.load(str(source), task.config))
    figure(f"load {len(samples)} items (answer.json, data.jsonl, prompt.json)", load["s"], "s")

    with timer() as requests:
        for sample in samples:
            task.family.build_request(task.config, sample)
    figure("build a two-shot request, per item", requests["s"] / len(samples) * 1000, "ms")

    responses = [tagged_solution(s["task"], s) for s in samples]
    with timer() as gold:
        for sample, response in zip(samples, responses):
            task.family.score(task.config, sample, response)
    figure("score a gold response, per item", gold["s"] / len(samples) * 1000, "ms")

    by_task = {s["task"]: s for s in samples}
    for name, text in HOSTILE.items():
        with timer() as hostile:
            for sample in by_task.values():
                task.family.score(task.config, sample, text)
        figure(f"score hostile: {name}, per task", hostile["s"] / len(by_task) * 1000, "ms")

    for task_name in GENERABLE_TASKS:
        for level in TASK_SPECS[task_name].levels:
            count = 5
            with timer() as made:
                for k in range(count):
                    make_item(task_name, level, "bench", k)
            figure(f"generate {task_name}/{level}, per item", made["s"] / count * 1000, "ms")


if __name__ == "__main__":
    main()
