"""Task families, one package each. A family registers itself with harness.registry on import
and must import nothing heavy at module level (no torch, transformers, datasets, openai)."""
