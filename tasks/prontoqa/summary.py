"""The generated set at a glance: per ontology and hop count, how many questions, how many answer
True, how long the contexts are and how many of their sentences are distractors (not used by the
gold proof). docs/prontoqa.md shows this table; a test keeps it current.

    python -m tasks.prontoqa.summary --limit 500      # the questions `harness run <task> --limit 500` asks
"""

from __future__ import annotations

import argparse
import dataclasses
from collections import defaultdict

from harness.core.registry import get_task
from tasks.prontoqa.generator import generate_prontoqa
from tasks.prontoqa.parse import split_sentences

TASKS = ("prontoqa", "prontoqa-true", "prontoqa-false")


def generated_set_table(limit: int = 500, seed: int = 0, tasks: tuple[str, ...] = TASKS) -> str:
    """A markdown table of the first ``limit`` questions of each task under ``seed``."""
    lines = ["| task | ontology | distractors | hops | questions | answer True | context sentences | of them distractors | gold proof steps |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name in tasks:
        cfg = dataclasses.replace(get_task(name).config, few_shot=0)  # the questions do not depend on few_shot
        cells: dict[int, list[tuple[bool, int, int, int]]] = defaultdict(list)
        for index in range(limit):
            sample = generate_prontoqa(cfg, seed, index)
            context = {" ".join(tokens) for tokens in split_sentences(sample["question"])}
            proof = {" ".join(tokens) for tokens in split_sentences(" ".join(sample["chain_of_thought"]))}
            cells[sample["hops"]].append((sample["answer"] == "True", len(context), len(context - proof), len(sample["chain_of_thought"])))
        for hops in sorted(cells):
            rows = cells[hops]
            n = len(rows)
            mean = [sum(row[k] for row in rows) / n for k in range(1, 4)]
            lines.append(f"| {name} | {cfg.ontology} | {cfg.distractors} | {hops} | {n} | {sum(row[0] for row in rows) / n:.0%} |"
                         f" {mean[0]:.1f} | {mean[1]:.1f} | {mean[2]:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=500, help="questions per task (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(generated_set_table(args.limit, args.seed))


if __name__ == "__main__":
    main()
