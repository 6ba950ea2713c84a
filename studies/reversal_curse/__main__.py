"""`python -m studies.reversal_curse reversal-curse ...`: the same command without the harness CLI."""

import argparse
import sys

from harness.errors import HarnessError
from studies.reversal_curse.cli import add_command


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m studies.reversal_curse")
    add_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["reproduce", *(sys.argv[1:] if argv is None else argv)])
    try:
        return args.func(args)
    except HarnessError as exc:
        print(f"harness: error: {exc}", file=sys.stderr)
        return 2


sys.exit(main())
