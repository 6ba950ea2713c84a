"""`harness export-lmeval`: lm-eval task YAMLs for every registered task (or a check that they are current)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.cli.options import add_include_option


def cmd_export_lmeval(args: argparse.Namespace) -> int:
    from harness.interop.lmeval.export import export_all, stale_files

    root = Path(args.out)
    if args.check:
        stale = stale_files(root)
        if stale:
            print(f"harness: error: lm-eval YAMLs under {root} are not current: {', '.join(stale)};"
                  f" run 'harness export-lmeval --out {root}'", file=sys.stderr)
            return 1
        print(f"lm-eval YAMLs under {root} are current")
        return 0
    written = export_all(root)
    print(f"wrote {len(written)} lm-eval task files under {root} (*/lmeval/*.yaml; tasks answered by a strategy, such as"
          f" prontoqa-lambada, have none: lm-eval sends one request per document);"
          f" run: lm_eval --include_path {root} --tasks TASK --model hf --model_args pretrained=MODEL --apply_chat_template")
    return 0


def add_command(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("export-lmeval", help="write lm-eval task YAMLs for every task (lm_eval --include_path tasks)")
    parser.add_argument("--out", default="tasks", help="folder the YAMLs go under, as <family>/lmeval/<task>.yaml (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="only check that the files are current; exit 1 if not (default: write them)")
    add_include_option(parser)
    parser.set_defaults(func=cmd_export_lmeval)
