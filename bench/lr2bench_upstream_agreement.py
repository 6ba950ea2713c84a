"""How often LR2Bench's two readings agree with the authors' scripts on the same answers.

Runs `1-extract_answer.py` + `2-merge_answer.py` from ../shared/reference/upstream/lr2bench on the
differential test's generated answers (tests/lr2bench_upstream_cases.py) and prints, for
`scoring=upstream` (the default) and `scoring=strict`: items whose four metrics all agree, level
metrics that agree (every setting x 17 levels x 4 metrics), and the variants that disagree.
Run: python bench/lr2bench_upstream_agreement.py   (needs ../shared/reference; about 10 s)
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

from _common import REPO_ROOT

from harness.core.registry import get_task
from harness.core.types import ScoredSample
from tasks.lr2bench.aggregate import aggregate_lr2bench

sys.path.insert(0, str(REPO_ROOT / "tests"))
from lr2bench_upstream_cases import build_cases, run_upstream  # noqa: E402

REFERENCE = REPO_ROOT.parent / "shared" / "reference"
METRICS = ("completion_ratio", "subtask_accuracy", "exact_match", "partial_match_0.5")


def main() -> None:
    upstream, data = REFERENCE / "upstream" / "lr2bench", REFERENCE / "lr2bench" / "data"
    if not (upstream / "2-merge_answer.py").is_file() or not (data / "answer.json").is_file():
        raise SystemExit(f"needs the authors' scripts and data under {REFERENCE}")
    loader = get_task("lr2bench")
    samples = list(loader.family.load(str(data), loader.config))
    settings, cases = build_cases(samples)
    with tempfile.TemporaryDirectory() as tmp:
        results = run_upstream(upstream, data / "answer.json", settings, Path(tmp))
    single = {key: case for key, case in cases.items() if not key[0].startswith("mixed")}
    print(f"cases: {len(cases)} answers ({len(single)} single-item incl. fuzzed, {len(cases) - len(single)} in mixed settings),"
          f" {len(settings)} settings")
    for scoring in ("upstream", "strict"):
        task = get_task("lr2bench", {"scoring": scoring})
        scores = {key: task.family.score(task.config, sample, response).scores for key, (_n, sample, response) in cases.items()}
        items_ok, differing = 0, Counter()
        for key, (name, _sample, _response) in single.items():
            expected = results[key[0]]["levels"][tuple(key[1:3])]
            if all(scores[key][m] == expected[m] for m in METRICS):
                items_ok += 1
            else:
                differing[name] += 1
        levels_ok = levels_all = 0
        mixed = Counter()
        for setting in settings:
            records = [ScoredSample(sample=sample, verdicts=[], scores=scores[key])
                       for key, (_n, sample, _r) in cases.items() if key[0] == setting]
            rows = aggregate_lr2bench(task.config, records)
            for (t, level), expected in results[setting]["levels"].items():
                for metric in METRICS:
                    levels_all += 1
                    agree = rows[f"level={t}/{level}"][metric].value == expected[metric]
                    levels_ok += agree
                    if setting.startswith("mixed"):
                        mixed[setting] += agree
        print(f"scoring={scoring:<9} items agreeing {items_ok}/{len(single)} ({100 * items_ok / len(single):.1f}%),"
              f" level metrics agreeing {levels_ok}/{levels_all} ({100 * levels_ok / levels_all:.1f}%)")
        print("  mixed settings (10 answers per level): " + ", ".join(f"{s} {n}/68 level metrics" for s, n in sorted(mixed.items())))
        if differing:
            shown = differing.most_common(20)
            print("  disagreeing variants (items): " + ", ".join(f"{name} {n}" for name, n in shown)
                  + (f", ... {len(differing) - len(shown)} more" if len(differing) > len(shown) else ""))


if __name__ == "__main__":
    main()
