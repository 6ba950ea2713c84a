"""The toolkit a study builds on, beside the top-level API (``import harness``): what a study's own
subcommand, folder and report need from the engine. Part of the public API (docs/python-api.md):
studies in studies/ and out-of-tree studies import from here and from ``harness``, never from the
engine's rooms, so those rooms can change without breaking them.

command line   did_you_mean, add_model_options, add_task_options, add_generation_options, add_output_options,
               backend_options_from_args, parse_settings, RESULTS_DIR_DEFAULT, stopped (the line and exit
               code, 130 or 143, for a command stopped by Ctrl-C or SIGTERM)
study folder   write_json, write_samples (atomic), slug (a folder-safe id), provenance() (command,
               versions, git commit), model_identity (the cache namespace of a model and its options)
traces         BEHAVIOURS, count_behaviours, model_written (a strategy's own words blanked), first_correct_position,
               tokens_at_position, summarize_behaviours,
               scorecard_line (the keyword detector's measured recall, for wherever its counts are shown)
efficiency     ThinkingEfficiency, thinking_efficiency (one completion), summarize_efficiency, mode_rows,
               EFFICIENCY_METRICS (their declarations)
reports        render (a Jinja2 template with autoescaping, from the engine's templates or a study's own
               folder), markup (trusted HTML such as an SVG figure), visible_bidi, write_page (atomic),
               run_facts, figure_svg / save_figure_png (a matplotlib figure inline in a page, or as a PNG)
tasks          families, config_as_dict, settings_for (the --set values a task has, when a command runs
               several), embedded_model_dir (the embedded SmolLM2 as a transformers folder)
strategies     strategy_options (a strategy's options dataclass from key=value strings, validated),
               MissingCapability: what a strategy's run raises when the model cannot do what it needs
               (a study that runs several catches it, skips that one and says why)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.core.lazy import lazy_attributes

# public name -> module that defines it, imported on first use: a study's subcommand module imports
# its option helpers at `harness --help` time, which must not pull in report templates or versions
_NAMES = {
    "RESULTS_DIR_DEFAULT": "harness.cli.options", "add_generation_options": "harness.cli.options",
    "add_model_options": "harness.cli.options", "add_output_options": "harness.cli.options",
    "add_task_options": "harness.cli.options", "parse_settings": "harness.cli.options",
    "backend_options_from_args": "harness.cli.options", "did_you_mean": "harness.core.errors", "stopped": "harness.cli",
    "MissingCapability": "harness.core.errors", "settings_for": "harness.pipeline.plan",
    "command_line": "harness.core.files", "git_commit": "harness.core.files", "package_versions": "harness.core.files",
    "slug": "harness.core.files", "write_json": "harness.core.files", "write_samples": "harness.core.files",
    "config_as_dict": "harness.core.registry", "families": "harness.core.registry",
    "BEHAVIOURS": "harness.parsing.traces", "count_behaviours": "harness.parsing.traces",
    "model_written": "harness.parsing.traces",
    "first_correct_position": "harness.parsing.traces", "tokens_at_position": "harness.parsing.traces",
    "summarize_behaviours": "harness.report.behaviours", "scorecard_line": "harness.report.behaviours",
    "ThinkingEfficiency": "harness.parsing.traces", "thinking_efficiency": "harness.parsing.traces",
    "summarize_efficiency": "harness.report.behaviours", "mode_rows": "harness.report.behaviours",
    "EFFICIENCY_METRICS": "harness.report.behaviours", "strategy_options": "harness.strategies.registry",
    "write_page": "harness.report.html",
    "run_facts": "harness.report.run_summary", "markup": "harness.report.templating",
    "render": "harness.report.templating", "visible_bidi": "harness.report.templating",
}
_RENAMED = {"backend_options_from_args": "backend_options", "strategy_options": "make_strategy_options"}


__getattr__ = lazy_attributes('harness.study', globals(), _NAMES, _RENAMED)


def provenance() -> dict[str, Any]:
    """What a study's manifest records about how it was made: the command, versions, git commit."""
    from harness.core.files import command_line, git_commit, package_versions

    return {"command": command_line(), "versions": package_versions(), "git_commit": git_commit()}


def model_identity(model: str, backend_options: Any = None) -> str:
    """The cache namespace of a model spec and its answer-changing options (what a study's folder id
    should depend on: another concurrency or timeout keeps the folder, another dtype does not)."""
    from harness.backends.base import BackendOptions, answer_identity

    return json.dumps(answer_identity(model, backend_options or BackendOptions()), sort_keys=True)


def figure_svg(figure: Any) -> str:
    """A matplotlib figure as an inline <svg> element for a report page (real text, no XML prolog,
    no date, fixed hash salt: the same figure gives the same bytes), then closed."""
    import io

    import matplotlib
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    figure.tight_layout()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "reasoning-harness"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(figure)
    text = buffer.getvalue()
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


def save_figure_png(figure: Any, path: Path) -> Path:
    """Write a matplotlib figure as a PNG, atomically (a temp name, then a rename), and close it."""
    import os

    import matplotlib.pyplot as plt

    path = Path(path)
    tmp = path.with_name(path.name + ".tmp.png")
    figure.savefig(tmp, format="png")
    plt.close(figure)
    os.replace(tmp, path)
    return path


def embedded_model_dir() -> Path:
    """The embedded default model (SmolLM2-135M-Instruct) as a transformers folder, converted once."""
    from harness.backends.local import converted_model_dir

    return converted_model_dir()


__all__ = ["BEHAVIOURS", "EFFICIENCY_METRICS", "MissingCapability", "RESULTS_DIR_DEFAULT", "ThinkingEfficiency",
           "add_generation_options", "add_model_options", "add_output_options", "add_task_options", "backend_options_from_args",
           "command_line", "config_as_dict", "count_behaviours", "did_you_mean", "embedded_model_dir", "families", "figure_svg",
           "first_correct_position", "git_commit", "markup", "mode_rows", "model_identity", "model_written", "package_versions",
           "parse_settings", "provenance", "render", "run_facts", "save_figure_png", "scorecard_line", "settings_for", "slug",
           "stopped", "strategy_options", "summarize_behaviours", "summarize_efficiency", "thinking_efficiency",
           "tokens_at_position", "visible_bidi", "write_json", "write_page", "write_samples"]
assert set(__all__) == {*_NAMES, "provenance", "model_identity", "embedded_model_dir", "figure_svg", "save_figure_png"}

if TYPE_CHECKING:  # static types for editors and mypy
    from harness.cli import stopped
    from harness.cli.options import (
        RESULTS_DIR_DEFAULT,
        add_generation_options,
        add_model_options,
        add_output_options,
        add_task_options,
        parse_settings,
    )
    from harness.cli.options import backend_options as backend_options_from_args
    from harness.core.errors import MissingCapability, did_you_mean
    from harness.core.files import command_line, git_commit, package_versions, slug, write_json, write_samples
    from harness.core.registry import config_as_dict, families
    from harness.parsing.traces import (
        BEHAVIOURS,
        ThinkingEfficiency,
        count_behaviours,
        first_correct_position,
        model_written,
        thinking_efficiency,
        tokens_at_position,
    )
    from harness.pipeline.plan import settings_for
    from harness.report.behaviours import EFFICIENCY_METRICS, mode_rows, scorecard_line, summarize_behaviours, summarize_efficiency
    from harness.report.html import write_page
    from harness.report.run_summary import run_facts
    from harness.report.templating import markup, render, visible_bidi
    from harness.strategies.registry import make_strategy_options as strategy_options
