"""`harness list`: families, variants and model backends (imports no ML library, so it is instant)."""

from __future__ import annotations

import argparse

from harness.cli.options import add_include_option


def cmd_list(args: argparse.Namespace) -> int:
    from harness.backends import BACKENDS
    from harness.core.registry import families

    print("Task families and variants:")
    for family in families():
        source = "generated" if family.generate else "loaded"
        if family.generate and family.load:
            source = "generated or loaded"
        print(f"  {family.name:<28} {family.description} [{source}; primary: {family.primary_metric}]")
        for variant in family.variants:
            overrides = ", ".join(f"{k}={v}" for k, v in family.variants[variant].items())
            print(f"    {variant:<26} {overrides}")
    print("\nModel backends (--model):")
    for prefix, (_, _, description) in BACKENDS.items():
        print(f"  {prefix:<10} {description}")
    return 0


def add_command(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("list", help="list task families, variants and model backends")
    add_include_option(parser)
    parser.set_defaults(func=cmd_list)
