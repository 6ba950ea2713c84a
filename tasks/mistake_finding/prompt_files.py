"""The paper's prompts, read from the user's copy of BIG-Bench Mistake without running it.

The repository (github.com/WHGTyen/BIG-Bench-Mistake, Apache-2.0) holds the prompts of the paper in
``mistake_finding_prompts/<task>_prompts.py``: Python modules of string constants, one pair per
prompting mode (``DIRECT_MESSAGES``/``DIRECT_TEMPLATE`` trace-level, ``DIRECT_PERSTEP_*`` step-level,
``COT_PERSTEP_*`` CoT step-level): the messages are the instruction and three few-shot turns, the
template the question (``{input}``, ``{steps}``, ``{current_step}``). They are read with ``ast``
and never imported or executed: a constant may be a string, a tuple or list, a dict with string
keys, ``textwrap.dedent(<string>)`` or strings joined with ``+``; anything else is refused with its
file and line. ``generation_prompts/<task>_prompt.txt`` are the few-shot texts the traces were
generated with (the backtracking study continues traces from them).

The project never ships these files; a sample records which prompts it is asked with (``prompts``:
"paper" with the repository folder in ``prompt_root``, or "ours", tasks.mistake_finding.our_prompts).
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from harness.core.data import read_text_file
from harness.core.errors import HarnessError
from harness.core.types import Message

PROMPT_FOLDER = "mistake_finding_prompts"
GENERATION_FOLDER = "generation_prompts"
MODE_CONSTANTS = {"trace": "DIRECT", "step": "DIRECT_PERSTEP", "cot-step": "COT_PERSTEP"}
MODE_PLACEHOLDERS = {"trace": ("{input}", "{steps}"), "step": ("{input}", "{steps}", "{current_step}"),
                     "cot-step": ("{input}", "{steps}", "{current_step}")}
ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class ModePrompt:
    """One prompting mode for one task: ``messages`` (the instruction and the few-shot turns) come
    before the question, which is ``template`` filled with {input}, {steps} and {current_step}."""

    messages: tuple[Message, ...]
    template: str


@dataclass(frozen=True)
class PromptSet:
    name: str  # "paper" or "ours"
    modes: dict[str, ModePrompt]

    def mode(self, mode: str) -> ModePrompt:
        return self.modes[mode]


def prompt_fields(setting: str, data_root: Path | None) -> dict[str, Any]:
    """The sample fields that say which prompts it is asked with, from the ``prompts`` setting ("",
    "ours" or a folder) and the folder the data came from (its mistake_finding_prompts/, if any)."""
    if setting == "ours":
        return {"prompts": "ours", "prompt_root": None}
    if setting:
        return {"prompts": "paper", "prompt_root": str(prompt_root(setting))}
    if data_root is not None and (data_root / PROMPT_FOLDER).is_dir():
        return {"prompts": "paper", "prompt_root": str(data_root.resolve())}
    return {"prompts": "ours", "prompt_root": None}


def prompt_root(setting: str) -> Path:
    """The repository folder from --set prompts=PATH (the clone, or its mistake_finding_prompts/)."""
    path = Path(setting).expanduser()
    if (path / PROMPT_FOLDER).is_dir():
        return path.resolve()
    if path.name == PROMPT_FOLDER and path.is_dir():
        return path.parent.resolve()
    raise HarnessError(f"--set prompts={setting}: no {PROMPT_FOLDER}/ folder there; give your clone of"
                       " github.com/WHGTyen/BIG-Bench-Mistake (or use prompts=ours for the project's own prompts)")


def paper_prompts(root: str | Path, task: str) -> PromptSet:
    """The paper's three prompting modes for ``task`` from the clone at ``root`` (cached per file state)."""
    path = Path(root) / PROMPT_FOLDER / f"{task}_prompts.py"
    try:
        stat = path.stat()
    except OSError:
        raise HarnessError(f"the paper's prompt file {path} is missing; restore it from the repository, or use"
                           " --set prompts=ours for the project's own prompts") from None
    return _read_prompt_set(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=32)
def _read_prompt_set(path: str, mtime_ns: int, size: int) -> PromptSet:
    constants = read_constants(path)
    modes = {}
    for mode, prefix in MODE_CONSTANTS.items():
        messages, template = constants.get(f"{prefix}_MESSAGES"), constants.get(f"{prefix}_TEMPLATE")
        if messages is None or template is None:
            raise HarnessError(f"{path}: no {prefix}_MESSAGES and {prefix}_TEMPLATE (the {mode} prompt); is this"
                               " a mistake_finding_prompts file of BIG-Bench Mistake?")
        modes[mode] = ModePrompt(_messages(path, prefix, messages), _template(path, prefix, template, mode))
    return PromptSet("paper", modes)


def read_constants(path: str | Path) -> dict[str, Any]:
    """The module's top-level NAME = <constant> assignments, evaluated without running the file."""
    text = read_text_file(path)
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        raise HarnessError(f"{path}:{exc.lineno}: not a Python prompt file ({exc.msg})") from None
    constants: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            constants[node.targets[0].id] = _constant(node.value, path)
    return constants


def _constant(node: ast.AST, path: str | Path) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, (ast.Tuple, ast.List)):
        return tuple(_constant(item, path) for item in node.elts)
    if isinstance(node, ast.Dict) and all(k is not None for k in node.keys):
        keys = [_constant(k, path) for k in node.keys]  # type: ignore[arg-type]  # checked above
        return dict(zip(keys, (_constant(v, path) for v in node.values)))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _constant(node.left, path), _constant(node.right, path)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
    if (isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords
            and _is_dedent(node.func)):
        value = _constant(node.args[0], path)
        if isinstance(value, str):
            return textwrap.dedent(value)
    raise HarnessError(f"{path}:{getattr(node, 'lineno', '?')}: a prompt constant must be strings, tuples, lists,"
                       " dicts or textwrap.dedent(...); this file holds something else")


def _is_dedent(func: ast.AST) -> bool:
    if isinstance(func, ast.Attribute):
        return func.attr == "dedent" and isinstance(func.value, ast.Name) and func.value.id == "textwrap"
    return isinstance(func, ast.Name) and func.id == "dedent"


def _messages(path: str, prefix: str, value: Any) -> tuple[Message, ...]:
    ok = isinstance(value, tuple) and all(
        isinstance(m, dict) and set(m) == {"role", "content"} and m["role"] in ROLES and isinstance(m["content"], str)
        for m in value)
    if not ok:
        raise HarnessError(f"{path}: {prefix}_MESSAGES must be a tuple of {{'role', 'content'}} messages")
    return tuple({"role": m["role"], "content": m["content"]} for m in value)


def _template(path: str, prefix: str, value: Any, mode: str) -> str:
    missing = [p for p in MODE_PLACEHOLDERS[mode] if not isinstance(value, str) or p not in value]
    if missing:
        raise HarnessError(f"{path}: {prefix}_TEMPLATE must be text with {', '.join(MODE_PLACEHOLDERS[mode])}"
                           f" (missing {', '.join(missing)})")
    return value


def generation_prompt(root: str | Path, task: str) -> str | None:
    """The paper's few-shot generation text for ``task`` (None when the clone has none)."""
    path = Path(root) / GENERATION_FOLDER / f"{task}_prompt.txt"
    if not path.is_file():
        return None
    text = read_text_file(path).strip()
    if not text:
        raise HarnessError(f"{path} is empty; restore it from the repository")
    return text
