"""Classical item analysis for the committee: difficulty, corrected point-biserial, distractors,
Cronbach's alpha / KR-20 per section, alpha-if-item-deleted and review flags.

Pure numpy over a candidates x items matrix, with no loop over candidates. Choices are int8
option indices (0 = A, -1 = blank). The package: counting.py (section totals and per-option
counts), statistics.py (the classical statistics from those counts), flags.py (review rules and
their wording), model.py (the result types) and analysis.py (the two entry points)."""
from exam_engine.results.item_analysis.analysis import analyse_choices, analyse_scores
from exam_engine.results.item_analysis.counting import BLANK, MAX_OPTIONS
from exam_engine.results.item_analysis.flags import FLAGS, Thresholds
from exam_engine.results.item_analysis.model import ItemAnalysis, ItemStats, OptionStats, SectionStats

__all__ = ["BLANK", "FLAGS", "MAX_OPTIONS", "ItemAnalysis", "ItemStats", "OptionStats", "SectionStats", "Thresholds",
           "analyse_choices", "analyse_scores"]
