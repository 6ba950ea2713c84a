"""`harness list`: families, variants, model backends and strategies (imports no ML library, so it is instant)."""

from __future__ import annotations

import argparse

from harness.cli.options import add_include_option


def cmd_list(args: argparse.Namespace) -> int:
    from harness.backends import available_backends
    from harness.core.registry import families
    from harness.strategies.registry import strategies

    if args.strategies:
        print("Strategies (--strategy):")
        for strategy in strategies():
            needs = ", ".join(sorted(strategy.needs))
            print(f"  {strategy.name:<20} {strategy.description} [needs: {needs}]")
        return 0
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
    for prefix, entry in available_backends().items():
        print(f"  {prefix:<10} {entry.description}")
    print("\nStrategies (--strategy; 'harness list --strategies' describes them):")
    print("  " + ", ".join(strategy.name for strategy in strategies()))
    return 0


def add_command(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("list", help="list task families, variants, model backends and strategies")
    add_include_option(parser)
    parser.add_argument("--strategies", action="store_true", help="describe the strategies (--strategy NAME) instead (default: list families and backends)")
    parser.set_defaults(func=cmd_list)
