"""The committee page: results per session and formation, freeze, signed exports, item analysis."""
