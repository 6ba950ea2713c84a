"""The keyword behaviour detector's cost per completion: each behaviour's whole alternation (as the
detector ran before the literal prefilter) against the prefiltered alternations it runs now
(harness/parsing/literal_prefilter.py), on the same texts, interleaved, with the match offsets
compared (they must be equal: a difference is printed and exits 1).

Texts: bench/scale.py's Countdown completions (~400 characters), the report fixtures' reasoning
traces (~1 500 characters), the labelled set's sentences joined four at a time, and
`count_behaviours` as the report calls it (sentences and the family hook included).

    .venv/bin/python bench/behaviour_detector.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

from _common import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT))

from scale import completions  # noqa: E402

from harness.core.registry import get_task  # noqa: E402
from harness.parsing import traces  # noqa: E402
from harness.parsing.literal_prefilter import folded  # noqa: E402
from harness.pipeline.samples import select_samples  # noqa: E402
from tests.report_fixtures import reasoning_trace  # noqa: E402


def plain(text: str) -> dict[str, list[int]]:
    return {name: [m.start() for m in pattern.finditer(text)] for name, pattern in traces._COMPILED.items()}


def prefiltered(text: str) -> dict[str, list[int]]:
    lowered = folded(text)
    return {name: alternation.starts(text, lowered) for name, alternation in traces._prefiltered().items()}


def per_text_ms(function, texts: list[str]) -> float:
    start = time.process_time()
    for text in texts:
        function(text)
    return 1000 * (time.process_time() - start) / len(texts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    samples = select_samples(get_task("countdown"), seed=0, limit=200, data=None)
    labelled = [str(item["text"]) for name in traces.LABEL_SETS for item in traces.labelled_examples(name)]
    sets = {
        "scale.py completions (~400 chars)": [t for i, s in enumerate(samples) for t in completions(s, 2, i)],
        "report fixture traces (~1 500 chars)": [reasoning_trace(s, 1500) for s in samples],
        "labelled sentences, 4 per text": [" ".join(labelled[i:i + 4]) for i in range(0, len(labelled), 4)],
    }
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; CPU ms per text, median of {args.repeats} (min-max)")
    mismatches = 0
    for name, texts in sets.items():
        mismatches += sum(plain(t) != prefiltered(t) for t in texts)
        times: dict[str, list[float]] = {"whole alternation": [], "prefiltered": []}
        for repeat in range(args.repeats):
            order = list(times) if repeat % 2 == 0 else list(reversed(times))
            for label in order:
                times[label].append(per_text_ms(plain if label == "whole alternation" else prefiltered, texts))
        before, after = statistics.median(times["whole alternation"]), statistics.median(times["prefiltered"])
        print(f"{name:<40} {len(texts):>5} texts  whole {before:.3f} ({min(times['whole alternation']):.3f}-"
              f"{max(times['whole alternation']):.3f})  prefiltered {after:.3f} ({min(times['prefiltered']):.3f}-"
              f"{max(times['prefiltered']):.3f})  {before / after:.2f}x")
    hook = get_task("countdown").family.behaviour_markers
    texts = sets["scale.py completions (~400 chars)"]
    count = statistics.median(per_text_ms(lambda t: traces.count_behaviours(t, hook), texts) for _ in range(args.repeats))
    print(f"count_behaviours (Countdown, with its hook) on the scale.py completions: {count:.3f} ms per completion")
    print("match offsets:", "identical" if not mismatches else f"{mismatches} texts DIFFER")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
