"""The venue scoreboard: candidate numbers, section scores, totals and pass/fail, live."""
