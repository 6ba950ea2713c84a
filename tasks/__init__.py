"""Task families, one package each. A family registers itself with harness.core.registry on import
and must import nothing heavy at module level (no torch, transformers, datasets, openai)."""
