"""Fine-tuning files for the fictitious-facts experiment (`harness export reversal-fictitious`).

Writes, into one folder:
- every file of the layout as prompt/completion JSONL, byte-compatible with the original files
  (train files to fine-tune on; test files, which `--data FOLDER` probes later);
- chat/<stem>.jsonl: the same lines as chat fine-tuning records
  {"messages": [{"role": "user", "content": prompt}, {"role": "assistant", "content": completion}]},
  to pair with `--set prompt_format=chat` when probing;
- manifest.json: the seed, the config and the line count and sha256 of every file written.
The layout comes from --data (an original folder) or, without it, from the seeded generator.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

from harness.core.errors import HarnessError
from tasks.reversal.fictitious_config import FictitiousConfig
from tasks.reversal.layout import Layout, Row, read_layout, write_layout_file

CHAT_DIR = "chat"


def chat_record(row: Row) -> dict:
    return {
        "messages": [
            {"role": "user", "content": row["prompt"]},
            {"role": "assistant", "content": row["completion"].strip()},
        ]
    }


def _write_chat_file(path: Path, rows: list[Row]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for row in rows:
            handle.write(json.dumps(chat_record(row), ensure_ascii=False) + "\n")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export_fictitious(cfg: FictitiousConfig, out_dir: str, seed: int = 0, source: str | None = None) -> list[Path]:
    """Write the layout (generated for `seed`, or read from `source`) as fine-tuning files."""
    if source is not None:
        layout: Layout = read_layout(source)
    else:
        from tasks.reversal.fact_generator import generate_layout

        layout = generate_layout(cfg, seed)
    out = Path(out_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise HarnessError(f"--out {out_dir} exists and is not a folder")
    (out / CHAT_DIR).mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    files: dict[str, dict] = {}
    for stem in sorted(layout):
        plain, chat = out / f"{stem}.jsonl", out / CHAT_DIR / f"{stem}.jsonl"
        write_layout_file(plain, layout[stem])
        _write_chat_file(chat, layout[stem])
        written += [plain, chat]
        for path in (plain, chat):
            files[str(path.relative_to(out))] = {"lines": len(layout[stem]), "sha256": _sha256(path)}
    manifest = {
        "family": "reversal-fictitious",
        "source": source if source is not None else "generator",
        "seed": None if source is not None else seed,
        "config": dataclasses.asdict(cfg),
        "files": files,
        "fine_tune_on": "all_prompts_train.jsonl (the paper's mix of the p2d, d2p and both groups)",
        "probe_with": f"harness run reversal-fictitious --data {out}",
    }
    manifest_path = out / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return written + [manifest_path]
