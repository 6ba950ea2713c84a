"""The backtracking study (Tyen et al. 2024): regenerate a trace from its first mistake, then compare answers."""
