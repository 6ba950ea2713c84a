"""Celebrity parent/child pairs -> probe samples, two per CSV row.

Reads the original `parent_child_pairs.csv` layout (child,parent,parent_type[,child_prediction,
can_reverse]) from a local file or the dataset hub. Row r becomes the samples "r/forward"
("Who is {child}'s {parent_type}?", gold = parent) and "r/reverse" ("Name a child of {parent}.",
gold = child); r is the 0-based data row, so predictions made elsewhere can be matched by id.
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.core.data import read_records
from harness.core.types import Sample
from tasks.reversal.celebrity_config import HUB_ID, CelebrityConfig

REQUIRED_COLUMNS = ("child", "parent", "parent_type")


def forward_question(child: str, parent_type: str) -> str:
    return f"Who is {child}'s {parent_type}?"


def reverse_question(parent: str) -> str:
    return f"Name a child of {parent}."


def celebrity_default_source(cfg: CelebrityConfig) -> str:
    return HUB_ID


def celebrity_samples_from_row(row_number: int, row: dict, directions=("forward", "reverse")) -> list[Sample]:
    """The forward and reverse probe of one CSV row (pure; no I/O)."""
    child, parent, parent_type = (str(row[column]).strip() for column in REQUIRED_COLUMNS)
    shared = {"row": row_number, "child": child, "parent": parent, "parent_type": parent_type}
    if "can_reverse" in row and row["can_reverse"] not in (None, ""):
        shared["can_reverse"] = str(row["can_reverse"]).strip().lower() == "true"
    by_direction = {
        "forward": {"question": forward_question(child, parent_type), "gold": parent},
        "reverse": {"question": reverse_question(parent), "gold": child},
    }
    return [
        {"id": f"{row_number}/{direction}", "direction": direction, **by_direction[direction], **shared}
        for direction in directions
    ]


# Made-up pairs in the CSV's schema, for describing the task without its data (lm-eval export).
EXAMPLE_ROWS = (
    {"child": "Ada Quillfeather", "parent": "Bea Quillfeather", "parent_type": "mother"},
    {"child": "Cal Ormsby", "parent": "Dov Ormsby", "parent_type": "father"},
)


def celebrity_examples(cfg: CelebrityConfig) -> list[Sample]:
    return [s for number, row in enumerate(EXAMPLE_ROWS) for s in celebrity_samples_from_row(number, row, cfg.directions)]


def load_celebrity_pairs(source: str, cfg: CelebrityConfig) -> Iterator[Sample]:
    """Samples of every row of the CSV at `source` (a path or a hub id), row by row."""
    for index, row in read_records(source):
        missing = [column for column in REQUIRED_COLUMNS if not str(row.get(column) or "").strip()]
        if missing:
            raise index.error(
                f"not a parent/child pair (empty or missing {', '.join(missing)});"
                f" expected columns {', '.join(REQUIRED_COLUMNS)}"
            )
        yield from celebrity_samples_from_row(int(index), row, cfg.directions)
