"""Review: what a trainee sees after (and between) turns: debrief, coach, progress, report, export."""
