"""`harness behaviours FOLDER`: the reasoning behaviours in a run's (or a study's) completions, as the
keyword detector counts them and, with --judge MODEL, as Gandhi et al.'s LLM judge counts them, with
the agreement between the two (harness/pipeline/behaviour_judge.py; docs/behaviours.md)."""

from __future__ import annotations

import argparse
import math
import sys

from harness.cli.options import MODEL_SPECS, RESULTS_DIR_DEFAULT, add_include_option, add_model_options


def cmd_behaviours(args: argparse.Namespace) -> int:
    from harness.cli.options import backend_options
    from harness.pipeline.behaviour_judge import JudgeSpec, run_behaviour_judge
    from harness.report.behaviours import scorecard_line

    spec = JudgeSpec(folder=args.folder, judge=args.judge, prompts=args.judge_prompts, limit=args.limit,
                     temperature=args.temperature, max_tokens=args.max_tokens, seed=args.seed,
                     backend_options=backend_options(args), results_dir=args.results_dir, cache_path=args.cache,
                     progress=not args.no_progress)
    try:
        outcome = run_behaviour_judge(spec)
    except KeyboardInterrupt:
        print("\ninterrupted: every judge answer received so far is cached; re-run the same command to resume", file=sys.stderr)
        return 130
    print(behaviour_table(outcome.summaries))
    print(f"\n{scorecard_line()}")
    if outcome.out_dir is not None:
        print(f"\njudge output: {outcome.out_dir}  (report.html there{' and in the run folder' if outcome.kind == 'run' else ''};"
              f" judge answers: {outcome.cache_hits} from cache, {outcome.backend_calls} to the model)")
    return 0


def _cell(metric) -> str:
    if metric is None or metric.n == 0 or math.isnan(metric.value):
        return "-"
    return f"{metric.value:.2f}"


def behaviour_table(summaries) -> str:
    """Per task and behaviour: mean count per completion by the detector and (when run) the judge, and kappa."""
    from harness.parsing.traces import BEHAVIOURS

    lines = []
    for s in summaries:
        judged = "judge" in s
        head = f"{s['task']}: {s['completions']} completions" + (f", {s.get('judged', 0)} judged with the {s['prompts']} prompts" if judged else "")
        lines.append(head)
        lines.append(f"  {'behaviour':<18} {'detector':>8}" + (f" {'judge':>8} {'kappa':>6} {'spearman':>8}" if judged else ""))
        for name in BEHAVIOURS:
            row = f"  {name:<18} {_cell(s['detector'][name]):>8}"
            if judged:
                agreement = s["agreement"][name]
                row += f" {_cell(s['judge'][name]):>8} {_cell(agreement['kappa']):>6} {_cell(agreement['spearman']):>8}"
            lines.append(row)
    return "\n".join(lines)


def add_command(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "behaviours", help="reasoning behaviours in a run's or study's completions: keyword detector, and an LLM judge (--judge)",
        description="Counts verification, backtracking, subgoal setting and backward chaining in every completion of a run"
        " folder or a search-study folder with the keyword detector; with --judge MODEL, also with Gandhi et al. 2025's"
        " judge prompts (four cached requests per completion) and reports the agreement between the two.")
    parser.add_argument("folder", metavar="RUN_OR_STUDY", help="a run folder (harness run) or a study folder (harness search-study)")
    add_model_options(parser, flag="--judge", default=None,
                      help=f"the judge model: {MODEL_SPECS} (default: no judge, the keyword detector only)")
    parser.add_argument("--judge-prompts", default="auto", choices=("auto", "paper", "ours"),
                        help="paper: a paper's own judge prompts where the family provides them (Gandhi et al. 2025's,"
                             " verbatim); ours: the project's prompts for any family; auto: the paper's where there are"
                             " some (default: %(default)s)")
    parser.add_argument("--limit", type=int, help="judge at most this many completions per task, the first ones (default: all)")
    parser.add_argument("--max-tokens", type=int, default=512, help="tokens per judge answer (default: %(default)s, the paper's)")
    parser.add_argument("--temperature", type=float, default=1.0,
                        help="judge sampling temperature (default: %(default)s, the OpenAI default the paper's script keeps)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the judge's sampling (default: %(default)s)")
    add_include_option(parser)
    parser.add_argument("--results-dir", default=RESULTS_DIR_DEFAULT,
                        help="where the response cache lives (default: $HARNESS_RESULTS_DIR or %(default)s)")
    parser.add_argument("--cache", help="response cache file (default: <results-dir>/.cache/responses.sqlite)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (default: shown)")
    parser.set_defaults(func=cmd_behaviours)
