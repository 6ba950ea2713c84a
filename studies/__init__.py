"""Studies: experiments built from runs of the engine (reproductions, sweeps). Not engine code:
a study uses only the engine's public API and asks families only through their declared hooks."""
