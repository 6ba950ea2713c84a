"""Reasoning-benchmark evaluation harness: the engine every task family plugs into.

This package must stay light to import: torch, transformers, openai and lm_eval are imported
only inside the backends that need them, so `harness list` starts fast.
"""

__version__ = "0.1.0"
