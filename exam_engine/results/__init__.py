"""Results for the committee: thresholds per formation, ranking with ordered tie-breaks,
"N x vacancies advance", and the final score of several stages (see ranking.py)."""
