"""The search study: sequential backtracking vs parallel best-of-n at equal generated tokens."""
