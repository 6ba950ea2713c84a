"""Every HTML page the Python side writes (report.html, the `harness view` pages, leaderboard.html,
the studies' reports) is rendered here, from Jinja2 templates with autoescaping on.

Why: values in these pages come from run folders, and a run folder holds text nobody vetted (task
and model names, settings, ids, error messages, answers). With autoescaping, every value is escaped
where it lands, inside text or an attribute, unless the code marks it as markup it built itself
(``markupsafe.Markup``: the inline SVG figures and the page's own CSS and script). Forgetting to
escape is no longer possible, and tests/test_html_escaping.py pins it.

Bidi controls (U+202A..U+202E, U+2066..U+2069) in any value are shown as visible escapes
(``\\u202e``): an id or an answer can never reorder the text around it on the page.

Templates live in harness/report/templates/; a study passes its own folder first
(``render(name, search=[folder])``) and can extend the engine's ``base.html``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
ENGINE_TEMPLATES = Path(__file__).resolve().parent / "templates"


def visible_bidi(text: str) -> str:
    """``text`` with every bidi embedding/override/isolate control written as ``\\uXXXX``."""
    return BIDI_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _finalize(value: Any) -> Any:
    """Applied to every ``{{ value }}`` before it is escaped: bidi controls made visible, None as ''."""
    from markupsafe import Markup

    if value is None:
        return ""
    if isinstance(value, str) and not isinstance(value, Markup):
        return visible_bidi(value) if BIDI_CONTROLS.search(value) else value
    return value


@functools.lru_cache(maxsize=8)
def _environment(search: tuple[str, ...]) -> Any:
    import jinja2

    from harness.report import html

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([*search, str(ENGINE_TEMPLATES)]),
        autoescape=True, undefined=jinja2.StrictUndefined, finalize=_finalize,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters.update(value=html.format_value, count=html.format_count, ci_bar=html.ci_bar, plain_number=html.plain_number, pyrepr=repr)
    env.globals["asset"] = _asset
    return env


def render(template: str, search: Sequence[str | Path] = (), **context: Any) -> str:
    """The named template rendered with ``context`` (autoescaped); ``search``: extra template folders."""
    return _environment(tuple(str(p) for p in search)).get_template(template).render(**context)


def markup(text: str) -> Any:
    """Mark text as HTML this code built itself (an SVG figure): inserted as is, never escaped."""
    from markupsafe import Markup

    return Markup(text)


def _asset(name: str) -> Any:
    """The page's own CSS or script, inlined as is."""
    return markup(resources.files("harness.report").joinpath("assets", name).read_text(encoding="utf-8"))
