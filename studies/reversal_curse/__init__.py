"""Reproduce the reversal curse end to end: write a seeded fictitious dataset, train one model per
arm (from scratch, with reverse training, or a fine-tune of the embedded model), probe each through
the normal run path (`hf:` backend, tasks reversal-fictitious and reversal-fictitious-loglik) and
write reproduction.md / .json / .png beside the paper's figures.

Rooms: spec (arms, budgets, validation), corpus (training texts, entity-preserving reversal),
tokenizer, training (transformers Trainer), evaluation (the runner), report, study (the order of
the steps), cli (the `harness reproduce` subcommand). Importing this package loads nothing heavy.
"""
