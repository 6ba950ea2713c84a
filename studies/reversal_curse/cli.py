"""The `harness reproduce` subcommand (registered through the "reasoning_harness.commands" entry
point). Argument parsing only: the study and everything heavy load when the command runs."""

from __future__ import annotations

import argparse
import os
import sys

from harness.errors import HarnessError, did_you_mean

STUDIES = ("reversal-curse",)


def _arms(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(arm.strip() for arm in text.split(",") if arm.strip()))


def cmd_reproduce(args: argparse.Namespace) -> int:
    if args.study not in STUDIES:
        raise HarnessError(f"unknown study '{args.study}'{did_you_mean(args.study, STUDIES)}; choose from: {', '.join(STUDIES)}")
    from studies.reversal_curse.spec import ReproductionSpec

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
    except KeyboardInterrupt:
        print("\ninterrupted: finished models and cached probe answers are kept; re-run the same command to resume",
              file=sys.stderr)
        return 130
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
                        help="comma-separated arms: scratch (default), reverse-training, finetune (SmolLM2-135M; slow on CPU)")
    parser.add_argument("--out", default=os.path.join(os.environ.get("HARNESS_RESULTS_DIR", "results"), "reproduce-reversal-curse"),
                        help="study folder (default results/reproduce-reversal-curse)")
    parser.add_argument("--seed", type=int, default=0, help="dataset, initialisation and data order (default 0)")
    parser.add_argument("--device", help="cpu or cuda (default: cuda when present)")
    parser.add_argument("--threads", type=int, default=1,
                        help="CPU threads for training and probing (default 1; the weights depend on it)")
    parser.add_argument("--preset", default="full", help="full (the reported budget, default) or mini (a smoke run of seconds)")
    parser.add_argument("--scratch-steps", type=int, help="training steps of the scratch arms (default: the preset's)")
    parser.add_argument("--finetune-steps", type=int, help="training steps of the finetune arm (default: the preset's)")
    parser.add_argument("--no-progress", action="store_true")
    parser.set_defaults(func=cmd_reproduce)
