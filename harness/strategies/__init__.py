"""Strategies: small programs that answer a sample with several cached requests (see types.py).

types.py     Ask, StrategyContext, StrategyOutcome, Strategy, the trace records
registry.py  register_strategy / get_strategy (entry points ``reasoning_harness.strategies``)
driver.py    runs every sample's program side by side, one batched session call per round
single.py    the trivial strategy: one request, scored as it is
budget.py    budget forcing (s1): forced (end thinking at a budget) and extend ("Wait" instead of stopping)
"""
