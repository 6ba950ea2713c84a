"""Questions in the upstream generator's JSON format (`run_experiment.py --model-name json`).

A file maps "example1", "example2", ... to {"in_context_example0": {...}, ..., "test_example": {...}},
each with "question" (the context), "query", "chain_of_thought" (a list of sentences) and, for
True/False questions, "answer". `--data` takes one such file or a folder of them. Each test
example becomes one sample, its in-context examples the prompt's examples; its hop count is the
number of rules its gold proof applies. The words of each question are read off its own sentences
(lexicon.infer_lexicon), and every sentence of the context and the gold proof must parse.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from harness.core.errors import HarnessError
from harness.core.types import Sample
from tasks.prontoqa.config import PrOntoQAConfig
from tasks.prontoqa.lexicon import infer_lexicon
from tasks.prontoqa.logic import Rule
from tasks.prontoqa.parse import parse_text

FIELDS = ("question", "query", "chain_of_thought")


def load_prontoqa(source: str, cfg: PrOntoQAConfig) -> Iterator[Sample]:
    path = Path(source)
    if path.is_dir():
        files = sorted(path.glob("*.json"))
        if not files:
            raise HarnessError(f"no PrOntoQA .json files in {path}; point --data at a file written by run_experiment.py --model-name json")
    elif path.is_file():
        files = [path]
    else:
        raise HarnessError(f"PrOntoQA data not found at {source}; give a .json file written by the upstream generator (or a folder of them)")
    for file in files:
        yield from _load_file(file, cfg)


def _load_file(path: Path, cfg: PrOntoQAConfig) -> Iterator[Sample]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HarnessError(f"{path} is not readable JSON ({exc}); expected the upstream generator's output") from None
    if not isinstance(data, Mapping):
        raise HarnessError(f"{path}: expected an object of examples ({{\"example1\": {{\"test_example\": ...}}}}), got {type(data).__name__}")
    for key in sorted(data, key=_example_number):
        entry = data[key]
        if not isinstance(entry, Mapping) or not isinstance(entry.get("test_example"), Mapping):
            raise HarnessError(f"{path}: {key} has no test_example; expected the upstream generator's JSON")
        yield _sample(path, key, entry, cfg)


def _example_number(key: str) -> tuple[int, str]:
    digits = "".join(ch for ch in key if ch.isdigit())
    return (int(digits) if digits else 0, key)


def _record(path: Path, where: str, record: Any) -> dict[str, Any]:
    if not isinstance(record, Mapping) or any(field not in record for field in FIELDS):
        raise HarnessError(f"{path}: {where} needs the fields {', '.join(FIELDS)} (and 'answer' for True/False questions)")
    if not isinstance(record["chain_of_thought"], list) or not all(isinstance(s, str) for s in record["chain_of_thought"]):
        raise HarnessError(f"{path}: {where}: chain_of_thought must be a list of sentences")
    out = {field: record[field] for field in FIELDS}
    if record.get("answer") is not None:
        if record["answer"] not in ("True", "False"):
            raise HarnessError(f"{path}: {where}: answer must be \"True\" or \"False\", got {record['answer']!r}")
        out["answer"] = record["answer"]
    return out


def _sample(path: Path, key: str, entry: Mapping[str, Any], cfg: PrOntoQAConfig) -> Sample:
    test = _record(path, f"{key}.test_example", entry["test_example"])
    shots = sorted((k for k in entry if k.startswith("in_context_example")), key=_example_number)
    examples = [_record(path, f"{key}.{k}", entry[k]) for k in shots]
    labelled = "answer" in test
    if cfg.labelled and not labelled:
        raise HarnessError(f"{path}: {key} asks for a proof only (\"{test['query'][:40]}...\"); run it with"
                           " --set deduction_rule=AndIntro (or AndElim, OrIntro, OrElim, ProofByContra: the rule the file uses)")
    proof = " ".join(test["chain_of_thought"])
    lexicon = infer_lexicon([test["question"], test["query"], proof], adjective_phrases=not labelled)
    context_steps, proof_steps = parse_text(test["question"], lexicon), parse_text(proof, lexicon)
    if None in context_steps or None in proof_steps or not proof_steps:
        raise HarnessError(f"{path}: {key}: a sentence of its context or gold proof is outside PrOntoQA's grammar;"
                           " is this the upstream generator's output?")
    return {
        "id": f"{path.stem}-{key}",
        **test,
        "answer": test.get("answer") if cfg.labelled else None,
        "hops": sum(isinstance(step, Rule) for step in proof_steps),
        "ontology": "loaded",
        "distractors": "loaded",
        "deduction_rule": cfg.deduction_rule,
        "lexicon": lexicon.to_json(),
        "examples": examples,
        "source_file": path.name,
    }
