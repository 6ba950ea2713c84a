"""The `harness verify-study` subcommand (registered through the reasoning_harness.commands entry
point): argument parsing only; the study is imported when the command runs, so `harness --help`
stays fast. Model, task and output options are the engine's shared option groups."""

from __future__ import annotations

import argparse
import sys

from harness import HarnessError
from harness.study import (
    add_generation_options,
    add_model_options,
    add_output_options,
    add_task_options,
    backend_options_from_args,
    parse_settings,
)

SELECTOR_NAMES = ("majority", "forward-lp", "trlm", "fobar", "oracle")


def _names(text: str, option: str, known: tuple[str, ...]) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(item.strip() for item in text.split(",") if item.strip()))
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise HarnessError(f"{option} takes a comma-separated list of {', '.join(known)}; got '{text}'")
    return names


def cmd_verify_study(args: argparse.Namespace) -> int:
    from studies.verify.study import StudySpec, run_verify_study

    spec = StudySpec(
        tasks=[name.strip() for name in args.tasks.split(",") if name.strip()], model=args.model, n=args.n,
        selectors=_names(args.selectors, "--selectors", SELECTOR_NAMES), chains=args.chains, alpha=args.alpha,
        temperature=args.temperature, top_p=args.top_p, max_tokens=args.max_tokens, reverse_prompt=args.reverse_prompt,
        seed=args.seed, limit=args.limit, data=args.data, settings=parse_settings(args.set),
        backend_options=backend_options_from_args(args), out=args.out, results_dir=args.results_dir,
        cache_path=args.cache, progress=not args.no_progress,
    )
    try:
        outcome = run_verify_study(spec)
    except KeyboardInterrupt:
        print("\ninterrupted: every answer received so far is cached; re-run the same command to resume", file=sys.stderr)
        return 130
    print(outcome.table)
    for skip in outcome.skipped:
        print(f"skipped {skip.selector} on {', '.join(skip.tasks)}: {skip.reason}", file=sys.stderr)
    failed = sum(row["errors"] for row in outcome.rows)
    if failed:
        print(f"{failed} problem-selector results failed for good (see choices.jsonl); re-run the same command to retry them",
              file=sys.stderr)
    print(f"\nstudy folder: {outcome.study_dir}  (report.html, verify_study.png, choices.jsonl; requests: {outcome.cache_hits}"
          f" from cache, {outcome.backend_calls} to the model)")
    return 1 if failed else 0


def add_command(sub: argparse._SubParsersAction) -> None:
    study = sub.add_parser(
        "verify-study",
        help="choose one of N sampled answers: majority vote, forward likelihood, time-reversed scoring, FOBAR backward checks",
        description="Sample N completions per problem, let each selector pick one (majority = self-consistency, forward-lp ="
        " mean token log P(answer | question), trlm = log P(question | answer) under a reverse prompt (Varun et al. 2024),"
        " fobar = forward vote x backward checks on masked numbers (Jiang et al. 2024), oracle = pass@N), and report"
        " selection accuracy against N and against tokens spent, with 95%% CIs, a figure and report.html.",
    )
    study.add_argument("tasks", help="comma-separated tasks with generated answers, e.g. arith-word,countdown-3 or gsm8k --data FILE")
    add_model_options(study)
    study.add_argument("--n", type=int, default=8, help="completions sampled per problem; the curve runs N = 1, 2, 4, ... up to it"
                                                        " (default: %(default)s)")
    study.add_argument("--selectors", default=",".join(SELECTOR_NAMES), help="which selectors (default: %(default)s)")
    study.add_argument("--chains", type=int, default=8, help="FOBAR: backward chains per masked number and candidate"
                                                             " (the paper's M; default: %(default)s)")
    study.add_argument("--alpha", type=float, default=0.5, help="FOBAR: weight of the forward vote, P ∝ P_f^alpha · P_b^(1-alpha)"
                                                                " (default: %(default)s)")
    study.add_argument("--reverse-prompt", default="ours", metavar="PATH",
                       help="trlm: a file with {response} where the answer goes (default: %(default)s, the project's)")
    study.add_argument("--limit", type=int, default=20, help="problems per task (default: %(default)s)")
    add_task_options(study)
    add_generation_options(study, temperature=0.7, top_p=1.0)
    study.add_argument("--max-tokens", type=int, help="token cap of every generation (default: the task's)")
    add_output_options(study, folder="study folder")
    study.set_defaults(func=cmd_verify_study)
