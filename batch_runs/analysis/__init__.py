"""Analysis of finished runs: outcome definitions (``outcomes``) and the statistics
every experiment shares (``statistics``: one mean and Student-t interval, paired
differences, verdicts)."""
