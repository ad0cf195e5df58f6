"""Generators for item families that generate well (TIU number series, arithmetic, figural)."""
