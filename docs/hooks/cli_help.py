"""MkDocs hook: `<!-- harness-help -->` in a page becomes the `--help` of every `harness` command,
taken from the argparse parsers at build time, so the CLI reference can never disagree with the CLI."""

from __future__ import annotations

import os

MARKER = "<!-- harness-help -->"


def command_helps() -> list[tuple[str, str]]:
    """(command, help text) for `harness` and each of its commands, in `harness --help` order."""
    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal; the page gets a fixed width
    from harness.cli import build_parser

    parser = build_parser()
    helps = [("harness", parser.format_help())]
    for action in parser._subparsers._group_actions:  # the one sub-parsers action
        for name, sub in action.choices.items():
            helps.append((f"harness {name}", sub.format_help()))
    return helps


def on_page_markdown(markdown: str, **kwargs) -> str:
    if MARKER not in markdown:
        return markdown
    sections = [f"### {name}\n\n```text\n{text.rstrip()}\n```\n" for name, text in command_helps()]
    return markdown.replace(MARKER, "\n".join(sections))
