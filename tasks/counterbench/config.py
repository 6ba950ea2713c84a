"""Every knob a CounterBench variant can set (all settable with --set key=value)."""

from __future__ import annotations

from dataclasses import dataclass

from tasks.counterbench.strategies import validate_strategy

QUERY_TYPES = ("basic", "conditional", "joint", "nested")
SOURCES = ("generated", "hub")
HUB_ID = "CounterBench/CounterBench"
MAX_VARIABLES = 40  # beyond this the prompts stop being a reasoning test and become a reading test


@dataclass(frozen=True)
class CounterBenchConfig:
    source: str = "generated"  # "generated": fresh seeded items; "hub": the original 1,000 (hub_id)
    hub_id: str = HUB_ID
    strategy: str = "direct"  # tasks.counterbench.strategies: "direct", "cot" or "coin"
    min_variables: int = 5  # difficulty = number of variables; the original uses 5..9
    max_variables: int = 9
    query_types: tuple[str, ...] = QUERY_TYPES  # generated items cycle through these
    max_tokens: int = 0  # 0 = the strategy's default budget
    temperature: float = 0.0

    def validate(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {', '.join(SOURCES)}, got '{self.source}'")
        validate_strategy(self.strategy)
        if not 3 <= self.min_variables <= self.max_variables <= MAX_VARIABLES:
            raise ValueError(
                f"need 3 <= min_variables <= max_variables <= {MAX_VARIABLES},"
                f" got {self.min_variables}..{self.max_variables}"
            )
        if not self.query_types:
            raise ValueError("query_types must name at least one of " + ", ".join(QUERY_TYPES))
        unknown = [t for t in self.query_types if t not in QUERY_TYPES]
        if unknown or len(set(self.query_types)) != len(self.query_types):
            raise ValueError(f"query_types must be distinct values from {', '.join(QUERY_TYPES)}, got {self.query_types}")
        if self.max_tokens < 0:
            raise ValueError("max_tokens must be >= 0 (0 = the strategy's default)")
