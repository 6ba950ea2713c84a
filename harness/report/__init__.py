"""Reports: metrics and their confidence intervals, tables, run folders, leaderboards, and what a run
says to a person (report.html, `harness view`)."""
