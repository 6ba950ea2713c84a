"""Strategies: small programs that answer a sample with several cached requests (see types.py).

types.py     Ask, StrategyContext, StrategyOutcome, Strategy, the trace records
registry.py  register_strategy / get_strategy (entry points ``reasoning_harness.strategies``)
driver.py    runs every sample's program side by side, one batched session call per round
single.py    the trivial strategy: one request, scored as it is
budget.py    budget forcing (s1): forced (end thinking at a budget) and extend ("Wait" instead of stopping)
selection.py choosing one of N sampled completions: the shared sampling step, majority, oracle
likelihood.py forward-lp (self log-perplexity) and trlm (time-reversed scoring)
fobar.py     FOBAR: candidate answers checked backwards by masking a number of the question
"""
