"""Generated LR2Bench answers and a runner for the authors' scripts as an oracle (differential tests).

`answer_variants(sample)` writes, for one puzzle, responses of many kinds from its gold: the gold in
several formats (Python / JSON quoting, lower- and upper-case tags, no tags, extra text, several
blocks), perturbed answers (a share of the subtasks wrong, exactly half right), empty and default
answers, unparseable text (JSON true/null, unquoted words, cut-off literals, nested brackets the
regex cuts), wrong types (sets, string or float cells, tuple rows), duplicated and re-cased keys,
spaced values, and constant expressions. Every text is plain data the test writes itself: nothing
would make `eval` run for long, touch files or look up a variable of the scripts.

`run_upstream(...)` lays the responses out as the authors' `data/<i>-<task>/<level>/outputs/...`
folders, runs `1-extract_answer.py` for every level and `2-merge_answer.py` once, each in a
subprocess with a timeout, and returns per setting the extracted answers and the level metrics.
The scripts are read from ../shared/reference/upstream/lr2bench and never copied.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

from tasks.lr2bench.spec import TASK_SPECS

MODEL = "oracle"
PROMPT = "prompt.json"
METRIC_NAMES = {"CR": "completion_ratio", "S-Acc": "subtask_accuracy", "EM": "exact_match", "PM-0.5": "partial_match_0.5"}


# ---------------------------------------------------------------- answers written from the gold


def _wrap(task: str, body: str, tag: str | None = None) -> str:
    tag = tag or TASK_SPECS[task].answer_tag
    return f"<{tag}>\n{body}\n</{tag}>"


def _other_letter(value: str, rng: random.Random) -> str:
    letters = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c != value.upper()]
    return rng.choice(letters)


def _subtask_slots(task: str, sample: dict) -> list[Any]:
    """Where the subtasks sit: dict keys, (row, key) pairs, or (row, column) cells."""
    gold = sample["gold"]
    kind = TASK_SPECS[task].answer_kind
    if kind == "dict":
        return list(gold)
    if kind == "rows":
        return [(r, key) for r, row in enumerate(gold) for key in list(row)[1:]]
    if task == "sudoku":
        return [(r, c) for r, row in enumerate(gold["grid"]) for c, cell in enumerate(row) if cell == 0]
    return [(r, c) for r, row in enumerate(gold) for c, cell in enumerate(row) if cell != "#"]


def perturbed(task: str, sample: dict, wrong: int, rng: random.Random) -> Any:
    """A copy of the gold answer with `wrong` subtasks changed to a wrong value."""
    gold = json.loads(json.dumps(sample["gold"]))
    slots = _subtask_slots(task, sample)
    kind = TASK_SPECS[task].answer_kind
    for slot in rng.sample(slots, min(wrong, len(slots))):
        if kind == "dict":
            gold[slot] = "".join(_other_letter(ch, rng) for ch in gold[slot][:1]) + gold[slot][1:] + "Q"
        elif kind == "rows":
            r, key = slot
            gold[r][key] = "Nobody " + str(gold[r][key])
        elif task == "sudoku":
            r, c = slot
            size = len(gold["answer"])
            gold["answer"][r][c] = gold["answer"][r][c] % size + 1
        else:
            r, c = slot
            gold[r][c] = _other_letter(gold[r][c], rng) if gold[r][c].isalpha() else "Z"
    return gold["answer"] if task == "sudoku" else gold


def _body(task: str, value: Any, style: str = "python") -> str:
    if style == "json":
        return json.dumps(value)
    return repr(value)


def answer_variants(task: str, sample: dict, rng: random.Random) -> list[tuple[str, str]]:
    """(variant name, response) pairs for one puzzle; the same names for every task."""
    gold = sample["gold"]
    answer = gold["answer"] if task == "sudoku" else gold
    slots = len(_subtask_slots(task, sample))
    kind = TASK_SPECS[task].answer_kind
    tag = TASK_SPECS[task].answer_tag
    out: list[tuple[str, str]] = [
        ("gold-python", "Let me think step by step.\n" + _wrap(task, _body(task, answer))),
        ("gold-json", _wrap(task, _body(task, answer, "json"))),
        ("gold-lower-tags", _wrap(task, _body(task, answer), tag.lower())),
        ("gold-upper-tags", "Final:\n" + _wrap(task, _body(task, answer), tag.upper())),
        ("gold-no-tags", "The answer is " + _body(task, answer)),
        ("gold-extra-text", _wrap(task, "So the grid is: " + _body(task, answer) + " and I am done.") + "\nThanks!"),
        ("wrong-then-gold", _wrap(task, _body(task, perturbed(task, sample, slots, rng))) + "\nWait.\n" + _wrap(task, _body(task, answer))),
        ("gold-then-wrong", _wrap(task, _body(task, answer)) + "\nHmm, no:\n" + _wrap(task, _body(task, perturbed(task, sample, slots // 3 + 1, rng)))),
        ("draft-inside-block", _wrap(task, "draft " + _body(task, perturbed(task, sample, 1, rng)) + "\nfinal " + _body(task, answer))),
        ("perturbed-30", _wrap(task, _body(task, perturbed(task, sample, max(1, slots * 3 // 10), rng)))),
        ("perturbed-60", _wrap(task, _body(task, perturbed(task, sample, max(1, slots * 6 // 10), rng), "json"))),
        ("half-right", _wrap(task, _body(task, perturbed(task, sample, slots // 2, rng)))),
        ("half-plus-one-wrong", _wrap(task, _body(task, perturbed(task, sample, slots // 2 + 1, rng)))),
        ("empty-response", ""),
        ("no-answer", "I could not solve this puzzle."),
        ("unclosed-tag", f"<{tag}>\n" + _body(task, answer)),
    ]
    empty = {"dict": "{}", "rows": "[]", "grid": "[[]]"}[kind]
    spaced_empty = {"dict": "{ }", "rows": "[ ]", "grid": "[[ ]]"}[kind]
    out += [
        ("default-literal", _wrap(task, empty)),
        ("spaced-empty-literal", _wrap(task, spaced_empty)),
        ("no-bracket-in-block", _wrap(task, "I give up.")),
    ]
    folded = tag.replace("s", "\u017f").replace("i", "\u0131")  # long s, dotless i: re's IGNORECASE folds them
    body = _body(task, answer)
    out += [
        ("gold-unicode-folded-tags", _wrap(task, body, folded)),
        ("nested-tags", f"<{tag}>draft\n" + _wrap(task, body)),
        ("deep-parentheses", _wrap(task, _deepen(body, 150))),
        ("too-deep-parentheses", _wrap(task, _deepen(body, 240))),
        ("null-byte", _wrap(task, body.replace("'", "'\x00", 1))),
        ("invalid-escape", _wrap(task, body.replace("'", "'\\d", 1))),
    ]
    out += _kind_variants(task, sample, answer, rng)
    return out


def _deepen(body: str, depth: int) -> str:
    """The first quoted string (or number) of the body wrapped in `depth` parentheses."""
    quote = body.find("'") if "'" in body else body.find('"')
    if quote < 0:
        start = next(i for i, ch in enumerate(body) if ch.isdigit())
        end = start + 1
    else:
        end = body.index(body[quote], quote + 1) + 1
        start = quote
    return body[:start] + "(" * depth + body[start:end] + ")" * depth + body[end:]


def _kind_variants(task: str, sample: dict, answer: Any, rng: random.Random) -> list[tuple[str, str]]:
    kind = TASK_SPECS[task].answer_kind
    if kind == "dict":
        items = list(answer.items())
        first_key, first_value = items[0]
        json_true = "{" + ", ".join(f"{k!r}: {v!r}" for k, v in items[:-1]) + f", {items[-1][0]!r}: true" + "}"
        return [
            ("json-true", _wrap(task, json_true)),
            ("unquoted-values", _wrap(task, "{" + ", ".join(f"{k!r}: {v}" for k, v in items) + "}")),
            ("cut-off-literal", _wrap(task, repr(answer)[:-1])),
            ("syntax-error", _wrap(task, repr(answer).replace(": ", " = ", 1))),
            ("set-not-dict", _wrap(task, "{" + ", ".join(repr(v) for _, v in items[:3]) + "}")),
            ("lower-keys-values", _wrap(task, repr({str(k).lower(): str(v).lower() for k, v in items}))),
            ("spaced-values", _wrap(task, repr({k: " ".join(str(v)) for k, v in items}))),
            ("int-keys", _wrap(task, "{" + ", ".join(f"{k}: {v!r}" if str(k).isdigit() else f"{k!r}: {v!r}" for k, v in items) + "}")),
            ("duplicate-key-wrong-last", _wrap(task, repr(answer)[:-1] + f", {first_key!r}: 'QQQ'" + "}")),
            ("duplicate-key-right-last", _wrap(task, "{" + f"{first_key!r}: 'QQQ', " + repr(answer)[1:])),
            ("case-duplicate-keys", _wrap(task, "{" + f"{str(first_key).lower()!r}: 'QQQ', " + repr(answer)[1:])),
            ("missing-half", _wrap(task, repr(dict(items[: (len(items) + 1) // 2])))),
            ("nested-dict", _wrap(task, "{" + f"{first_key!r}: {{'value': {first_value!r}}}" + "}")),
            ("list-values", _wrap(task, repr({k: [v] for k, v in items}))),
            ("constant-expression", _wrap(task, "{" + f"{first_key!r}: {str(first_value)[:1]!r} + {str(first_value)[1:]!r}, " + repr(dict(items[1:]))[1:])),
            ("number-values", _wrap(task, repr({k: i for i, (k, _) in enumerate(items)}))),
            ("odd-constants", _wrap(task, "{" + f"{items[0][0]!r}: b'X', {items[1][0]!r}: 1j, {items[2][0]!r}: ..., " + repr(dict(items[3:]))[1:])),
            ("huge-integer", _wrap(task, repr(answer)[:-1] + ", 'extra': 0x" + "f" * 4000 + "}")),
            ("tab-in-value", _wrap(task, repr({k: str(v)[:1] + "\t" + str(v)[1:] for k, v in items}))),
        ]
    if kind == "rows":
        shuffled = list(answer)
        rng.shuffle(shuffled)
        first_key = list(answer[0])[0]
        return [
            ("rows-shuffled", _wrap(task, repr(shuffled))),
            ("rows-lower-case", _wrap(task, repr([{k.lower(): str(v).lower() for k, v in row.items()} for row in answer]))),
            ("rows-upper-keys", _wrap(task, repr([{k.upper(): v for k, v in row.items()} for row in answer]))),
            ("rows-no-spaces", _wrap(task, repr([{k: str(v).replace(" ", "") for k, v in row.items()} for row in answer]))),
            ("rows-extra-spaces", _wrap(task, repr([{k: " " + str(v) for k, v in row.items()} for row in answer]))),
            ("rows-as-tuples", _wrap(task, repr([tuple(row.values()) for row in answer]))),
            ("rows-as-strings", _wrap(task, repr([", ".join(map(str, row.values())) for row in answer]))),
            ("rows-syntax-error", _wrap(task, repr(answer).replace(": ", " = ", 1))),
            ("rows-json-null", _wrap(task, json.dumps([{**row, first_key: None} if i == 0 else row for i, row in enumerate(answer)]))),
            ("rows-missing-key", _wrap(task, repr([{k: v for k, v in list(row.items())[:-1]} for row in answer]))),
            ("rows-first-value-changed", _wrap(task, repr([{**row, first_key: str(row[first_key]) + "x"} for row in answer]))),
            ("rows-nested-list", _wrap(task, repr([{**row, "extra": [1, 2]} if i == 1 else row for i, row in enumerate(answer)]))),
            ("rows-duplicated", _wrap(task, repr([{**answer[0], list(answer[0])[1]: "Nobody"}] + list(answer)))),
            ("rows-half", _wrap(task, repr(list(answer[: len(answer) // 2])))),
            ("rows-empty-dicts", _wrap(task, repr([{} for _ in answer]))),
            ("rows-dict-not-list", _wrap(task, "[" + repr(answer[0]) + "] then {" + "}")),
            ("rows-constant-expression", _wrap(task, repr(answer)[:-1].replace(repr(answer[0][first_key]), repr(str(answer[0][first_key])) + " + ''", 1) + "]")),
        ]
    grid = answer
    as_strings = [[str(cell) for cell in row] for row in grid]
    lower = [[str(cell).lower() for cell in row] for row in grid]
    variants = [
        ("grid-spaced-brackets", _wrap(task, "[ " + ", ".join(repr(row) for row in grid) + " ]")),
        ("grid-newline-brackets", _wrap(task, "[\n  " + ",\n  ".join(repr(row) for row in grid) + "\n]")),
        ("grid-single-bracket-rows", _wrap(task, ", ".join(repr(row) for row in grid))),
        ("grid-strings", _wrap(task, repr(as_strings))),
        ("grid-lower", _wrap(task, repr(lower))),
        ("grid-short-rows", _wrap(task, repr([row[: max(1, len(row) // 2)] for row in grid]))),
        ("grid-fewer-rows", _wrap(task, repr(grid[: max(1, len(grid) // 2)]))),
        ("grid-extra-rows", _wrap(task, repr(list(grid) + [list(grid[0])]))),
        ("grid-tuple-rows", _wrap(task, _mixed_rows(grid, lambda row: repr(tuple(row))))),
        ("grid-string-rows", _wrap(task, _mixed_rows(grid, lambda row: repr("".join(map(str, row)))))),
        ("grid-json-null", _wrap(task, json.dumps([[None] + list(row[1:]) if r == 0 else row for r, row in enumerate(grid)]))),
        ("grid-cut-off", _wrap(task, repr(grid)[: len(repr(grid)) // 2])),
        ("grid-huge-integer", _wrap(task, repr(grid)[:-2] + ", 0x" + "f" * 4000 + "]]")),
        ("grid-unary-chain", _wrap(task, repr(grid).replace(", ", ", - - ") if task == "sudoku" else repr(grid).replace("', '", "', not not '"))),
        ("grid-syntax-error", _wrap(task, repr(grid).replace(", ", " ; ", 1))),
        ("grid-nested-deeper", _wrap(task, repr([[row] for row in grid]))),
    ]
    if task == "sudoku":
        variants += [
            ("grid-floats", _wrap(task, repr([[float(cell) for cell in row] for row in grid]))),
            ("grid-bools-for-ones", _wrap(task, repr([[True if cell == 1 else cell for cell in row] for row in grid]))),
            ("grid-expressions", _wrap(task, "[" + ", ".join("[" + ", ".join(f"{cell - 1} + 1" for cell in row) + "]" for row in grid) + "]")),
        ]
    else:
        variants += [
            ("grid-blanks-for-hash", _wrap(task, repr([[" " if cell == "#" else cell for cell in row] for row in grid]))),
            ("grid-lower-letters-only", _wrap(task, repr([[cell.lower() if cell.isalpha() else cell for cell in row] for row in grid]))),
            ("grid-expressions", _wrap(task, "[" + ", ".join("[" + ", ".join(f"{cell[:1]!r} + {cell[1:]!r}" for cell in row) + "]" for row in grid) + "]")),
        ]
    return variants


def _mixed_rows(grid: list[list[Any]], middle) -> str:
    """First and last rows as lists (so the [[..]] regex still finds the grid), the others written by `middle`."""
    rows = [repr(grid[0])] + [middle(row) for row in grid[1:-1]] + [repr(grid[-1])]
    return "[" + ", ".join(rows) + "]"


MIXED_SETTINGS = 2
MIXED_ITEMS = 10
FUZZ_SETTINGS = 20
# Inserted at random by mutate(): brackets, quotes, separators, digits, tags, constants. No
# parentheses, letters or "*", so a mutation can neither call anything nor build 9 ** 9 ** 9.
FUZZ_PIECES = list("[]{},: '\"\n0123456789#-+.") + ["<Answer>", "</Answer>", "<answer>", "</ANSWER>", "<Mapping>",
                                                    "</mapping>", "True", "None"]


def mutate(text: str, rng: random.Random) -> str:
    """One to four random edits: delete a character, insert a FUZZ_PIECES item, flip a case."""
    chars = list(text)
    for _ in range(rng.randint(1, 4)):
        op, at = rng.random(), rng.randrange(len(chars) + 1)
        if op < 0.4 and chars:
            del chars[min(at, len(chars) - 1)]
        elif op < 0.8:
            chars.insert(at, rng.choice(FUZZ_PIECES))
        elif chars:
            at = min(at, len(chars) - 1)
            chars[at] = chars[at].swapcase()
    return "".join(chars)


def build_cases(samples: list[dict]) -> tuple[dict, dict]:
    """(settings for the oracle, {(setting, task, level, tag): (variant, sample, response)})."""
    by_level: dict[tuple[str, str], list[dict]] = {}
    for sample in sorted(samples, key=lambda s: s["id"]):
        by_level.setdefault((sample["task"], sample["level"]), []).append(sample)
    variants = {
        key: [(sample, answer_variants(key[0], sample, random.Random(f"variants/{sample['id']}"))) for sample in items[:MIXED_ITEMS]]
        for key, items in by_level.items()
    }
    width = max(len(v) for entries in variants.values() for _, v in entries)
    settings: dict[str, dict] = {}
    cases: dict[tuple, tuple] = {}
    for k in range(width):
        setting = f"single-{k:02d}"
        settings[setting] = {}
        for key, entries in variants.items():
            sample, options = entries[k % len(entries)]
            name, response = options[k % len(options)]
            settings[setting][key] = [(sample["tag"], response)]
            cases[(setting, *key, sample["tag"])] = (name, sample, response)
    for f in range(FUZZ_SETTINGS):
        setting = f"fuzz-{f:02d}"
        settings[setting] = {}
        for key, entries in variants.items():
            rng = random.Random(f"fuzz/{f}/{key}")
            sample, options = rng.choice(entries)
            name, response = rng.choice(options)
            response = mutate(response, rng)
            settings[setting][key] = [(sample["tag"], response)]
            cases[(setting, *key, sample["tag"])] = (f"fuzz:{name}", sample, response)
    for m in range(MIXED_SETTINGS):
        setting = f"mixed-{m}"
        rng = random.Random(f"mixed/{m}")
        settings[setting] = {}
        for key, entries in variants.items():
            settings[setting][key] = []
            for sample, options in entries:
                name, response = rng.choice(options)
                settings[setting][key].append((sample["tag"], response))
                cases[(setting, *key, sample["tag"])] = (name, sample, response)
    return settings, cases


# ---------------------------------------------------------------- the oracle


def write_responses(root: Path, settings: dict[str, dict[tuple[str, str], list[tuple[str, str]]]]) -> None:
    """settings: {setting: {(task, level): [(tag, response)]}} into data/<i>-<task>/<level>/outputs/..."""
    for setting, levels in settings.items():
        for (task, level), items in levels.items():
            folder = _outputs_root(root, task, level) / setting
            folder.mkdir(parents=True, exist_ok=True)
            with open(folder / "response.jsonl", "w", encoding="utf-8") as handle:
                for tag, response in items:
                    handle.write(json.dumps({"tag": tag, "response": response}) + "\n")


def _outputs_root(root: Path, task: str, level: str) -> Path:
    return root / "data" / TASK_SPECS[task].folder / level / "outputs" / PROMPT / MODEL


def run_upstream(
    upstream: Path,
    answer_file: Path,
    settings: dict[str, dict[tuple[str, str], list[tuple[str, str]]]],
    workdir: Path,
    timeout: float = 300.0,
) -> dict[str, dict[str, Any]]:
    """{setting: {"answers": {(task, level, tag): extracted text}, "levels": {(task, level): {metric: value}}}}.

    Every level of every task must have at least one item in every setting (2-merge_answer.py
    divides by each level's item count)."""
    (workdir / "data").mkdir(parents=True, exist_ok=True)
    (workdir / "data" / "answer.json").write_bytes(answer_file.read_bytes())
    write_responses(workdir, settings)
    for task, spec in TASK_SPECS.items():
        for level in spec.levels:
            _run([sys.executable, str(upstream / "1-extract_answer.py"), "--outputs_root",
                  str(_outputs_root(workdir, task, level)), "--task", task], workdir, timeout)
    template = str(workdir / "data" / "{task}" / "{level}" / "outputs" / PROMPT / MODEL)
    _run([sys.executable, str(upstream / "2-merge_answer.py"), "--model_name", MODEL, "--path_template", template,
          "--output_dir", str(workdir / "submission")], workdir, timeout)
    out: dict[str, dict[str, Any]] = {}
    for setting in settings:
        folder = workdir / "submission" / setting
        submission = json.loads((folder / "submission.json").read_text())
        performance = json.loads((folder / "performance.json").read_text())
        answers = {(task, entry["level"], str(entry["tag"])): entry["answer"]
                   for task, entries in submission["results"].items() for entry in entries}
        levels = {(task, level): {METRIC_NAMES[name]: value for name, value in metrics.items()}
                  for task, by_level in performance.items() for level, metrics in by_level.items()}
        out[setting] = {"answers": answers, "levels": levels}
    return out


def _run(command: list[str], cwd: Path, timeout: float) -> None:
    done = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:3])} failed: {done.stderr[-2000:]}")
