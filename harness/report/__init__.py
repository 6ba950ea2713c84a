"""Reports: what a run folder says to a person (the HTML report, the viewer, the leaderboard)."""
