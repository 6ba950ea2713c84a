"""Studies built from runs (the search study, reproductions): experiments on top of the engine."""
