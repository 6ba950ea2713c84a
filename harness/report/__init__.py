"""Reports: metrics and their confidence intervals, tables, run folders, leaderboards."""
