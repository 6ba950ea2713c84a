"""The `harness reproduce` subcommand (registered through the "reasoning_harness.commands" entry
point). Argument parsing only: the study and everything heavy load when the command runs."""

from __future__ import annotations

import argparse
import os

from harness import HarnessError
from harness.study import RESULTS_DIR_DEFAULT, did_you_mean, stopped
from studies.reversal_curse.spec import ARMS, PRESETS, ReproductionSpec

STUDIES = ("reversal-curse",)


def _arms(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(arm.strip() for arm in text.split(",") if arm.strip()))


def cmd_reproduce(args: argparse.Namespace) -> int:
    if args.study not in STUDIES:
        raise HarnessError(f"unknown study '{args.study}'{did_you_mean(args.study, STUDIES)}; choose from: {', '.join(STUDIES)}")
    spec = ReproductionSpec(
        arms=_arms(args.arm), out=args.out, seed=args.seed, device=args.device, threads=args.threads,
        preset=args.preset, scratch_steps=args.scratch_steps, finetune_steps=args.finetune_steps,
        progress=not args.no_progress,
    )
    spec.validate()  # bad options fail before torch loads
    from studies.reversal_curse.report import markdown
    from studies.reversal_curse.study import run_reproduction

    try:
        outcome = run_reproduction(spec)
    except KeyboardInterrupt as exc:
        return stopped(exc, "finished models and cached probe answers are kept; re-run the same command to resume")
    print(markdown(outcome.report))
    print(f"reproduction folder: {outcome.out} (reproduction.md, reproduction.json, reproduction.png, timings.json;"
          f" total {outcome.timings['total_seconds']:.0f} s)")
    return 0


def add_command(sub: argparse._SubParsersAction) -> None:
    """Add `reproduce` to the harness command line (the entry point's value)."""
    parser = sub.add_parser(
        "reproduce", help="reproduce a paper's finding end to end (reversal-curse: train, probe, report)",
        description="Write a seeded fictitious dataset, train one model per arm, probe each through the normal run"
        " path and write reproduction.md/.json/.png beside the paper's figures (Berglund et al. 2023, Exp. 1).",
    )
    parser.add_argument("study", metavar="STUDY", help=f"what to reproduce: {', '.join(STUDIES)}")
    parser.add_argument("--arm", default="scratch",
                        help=f"comma-separated arms from {', '.join(ARMS)}; finetune (SmolLM2-135M fine-tuned) takes"
                             " hours on a CPU, minutes on a GPU (default: %(default)s)")
    parser.add_argument("--out", default=os.path.join(RESULTS_DIR_DEFAULT, "reproduce-reversal-curse"),
                        help="study folder: data, models, run folders, report (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="dataset, initialisation and data order (default: %(default)s)")
    parser.add_argument("--device", help="cpu, cuda, cuda:1, ... for training and probing (default: cuda when present, else cpu)")
    parser.add_argument("--threads", type=int, default=1,
                        help="CPU threads for training and probing; the weights depend on it (default: %(default)s,"
                             " the fastest on a busy 2-core machine)")
    parser.add_argument("--preset", default="full",
                        help=f"{' or '.join(PRESETS)}: the reported budgets, or a seconds-long smoke run (default: %(default)s)")
    parser.add_argument("--scratch-steps", type=int, help=f"training steps of the scratch arms (default: the preset's; full: {PRESETS['full'].scratch_budget.steps})")
    parser.add_argument("--finetune-steps", type=int, help=f"training steps of the finetune arm (default: the preset's; full: {PRESETS['full'].finetune_budget.steps})")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars (default: shown)")
    parser.set_defaults(func=cmd_reproduce)
