"""Likert trait scales: raw trait sums with reverse keying, a missing-answer policy, and norm
scores (T-score, stanine) from a norm table shipped as data.

Section params (profile YAML), e.g. `{rule: likert, points: 5, missing: prorate, norms: kepribadian-sample}`:
- points: scale points k (default: the items' option count, else 5); option A..E is 1..k, a
  reverse-keyed item scores k + 1 - x;
- missing: `prorate` (default): mean of the trait's answered items x its item count, rounded
  half up to 2 decimals; `zero`: a blank adds nothing; `{invalid_if_more_than: n}`: a trait
  with more than n blanks is NaN, the others are prorated (or `otherwise: zero`);
- norms: a table in exam_engine/scoring/norms/ (or a path): per trait the mean and sd of raw
  scores; T = 50 + 10 z, stanine = clip(round(2 z + 5), 1, 9), halves rounded up;
- in_total: false by default: the section is a profile, its summary does not add into totals."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from exam_engine.scoring.base import BLANK, ROUNDING_SLACK, ScoringRule, SectionKey


def likert_key(item_keys: Sequence[Mapping[str, Any]]) -> SectionKey:
    """A section key from the items' stored scoring keys ({"trait", "reverse"}), in column order."""
    traits = tuple(dict.fromkeys(str(k["trait"]) for k in item_keys))  # first-seen order, stable for reports
    trait_of = np.array([traits.index(str(k["trait"])) for k in item_keys], dtype=np.intp)
    reverse = np.array([bool(k.get("reverse")) for k in item_keys], dtype=bool)
    return SectionKey(correct=np.full(len(item_keys), BLANK, dtype=np.int8), weights=np.zeros((len(item_keys), 0)),
                      traits=traits, trait_of=trait_of, reverse=reverse)


def _policy(missing: Any) -> tuple[str, int | None]:
    """(fill, limit): how blanks are filled, and the blank count above which a trait is NaN."""
    if isinstance(missing, Mapping):
        fill, limit = str(missing.get("otherwise", "prorate")), int(missing["invalid_if_more_than"])
    else:
        fill, limit = str(missing), None
    if fill not in ("prorate", "zero"):
        raise ValueError(f"missing-answer policy {missing!r}: use prorate, zero or {{invalid_if_more_than: n}}")
    return fill, limit


def trait_sums(chosen: np.ndarray, key: SectionKey, points: int = 5, missing: Any = "prorate") -> np.ndarray:
    """(candidates, traits) float64 raw trait scores; NaN where the policy makes a trait invalid."""
    if key.trait_of is None or key.reverse is None:
        raise ValueError("a Likert section needs trait keys (build the key with likert_key)")
    if chosen.size and int(chosen.max()) >= points:
        raise ValueError(f"a response lies beyond the {points}-point scale")
    fill, limit = _policy(missing)
    answered = chosen != BLANK
    x = chosen.astype(np.int64) + 1
    x = np.where(key.reverse[np.newaxis, :], points + 1 - x, x) * answered
    # Item-to-trait one-hot matrix: the per-trait sums become one exact integer product.
    member = np.zeros((len(key.trait_of), len(key.traits)), dtype=np.int64)
    member[np.arange(len(key.trait_of)), key.trait_of] = 1
    total, count, size = x @ member, answered.astype(np.int64) @ member, member.sum(axis=0)[np.newaxis, :]
    if fill == "zero":
        raw = total.astype(np.float64)
    else:
        # Exact integer half-up rounding of total * size / count to 2 decimals: no float noise.
        safe = np.maximum(count, 1)
        raw = np.where(count > 0, ((200 * total * size + safe) // (2 * safe)) / 100.0, np.nan)
    if limit is not None:
        raw = np.where(size - count > limit, np.nan, raw)
    return np.asarray(raw, dtype=np.float64)


@lru_cache(maxsize=16)
def load_norms(name_or_path: str) -> dict[str, tuple[float, float]]:
    """trait -> (mean, sd) from a shipped table (by name) or a YAML file (by path)."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = Path(str(resources.files("exam_engine.scoring") / "norms" / f"{name_or_path}.yaml"))
    if not path.is_file():
        raise ValueError(f"no norm table {name_or_path!r}")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    norms = {str(t): (float(v["mean"]), float(v["sd"])) for t, v in (data.get("traits") or {}).items()}
    if not norms or any(sd <= 0 for _, sd in norms.values()):
        raise ValueError(f"norm table {path}: every trait needs a mean and a positive sd")
    return norms


def norm_scores(raw: np.ndarray, traits: Sequence[str], norms: Mapping[str, tuple[float, float]]
                ) -> tuple[np.ndarray, np.ndarray]:
    """(T-scores, stanines) shaped like `raw` (candidates, traits); NaN stays NaN."""
    missing = [t for t in traits if t not in norms]
    if missing:
        raise ValueError(f"the norm table has no row for trait(s) {', '.join(missing)}")
    mean = np.array([norms[t][0] for t in traits])[np.newaxis, :]
    sd = np.array([norms[t][1] for t in traits])[np.newaxis, :]
    z = (raw - mean) / sd
    stanine = np.clip(np.floor(2 * z + 5 + 0.5 + ROUNDING_SLACK), 1, 9)
    return 50 + 10 * z, stanine


def scale_points(key: SectionKey, params: Mapping[str, Any]) -> int:
    """The section's scale length: the profile's `points`, which must match the items' own."""
    if params.get("points") is None:
        return key.points or 5
    points = int(params["points"])
    if key.points is not None and key.points != points:
        raise ValueError(f"the profile says a {points}-point scale, the items have {key.points} options")
    return points


class Likert(ScoringRule):
    name = "likert"
    in_total = False

    def traits(self, chosen: np.ndarray, key: SectionKey, params: dict[str, Any]) -> np.ndarray:
        return trait_sums(chosen, key, scale_points(key, params), params.get("missing", "prorate"))

    def score(self, chosen: np.ndarray, key: SectionKey, params: dict[str, Any]) -> np.ndarray:
        """The sum of the valid raw trait scores: a summary for live views, always a number (an
        invalid or not yet answered trait adds nothing); the traits are the result."""
        return np.asarray(np.nansum(self.traits(chosen, key, params), axis=1), dtype=np.float64)

    def detail(self, chosen: np.ndarray, key: SectionKey, params: dict[str, Any]) -> dict[str, np.ndarray]:
        """`<trait>.raw` for every trait, and `<trait>.t` / `<trait>.stanine` when params name norms."""
        raw = self.traits(chosen, key, params)
        out = {f"{t}.raw": raw[:, i] for i, t in enumerate(key.traits)}
        if params.get("norms"):
            t_scores, stanines = norm_scores(raw, key.traits, load_norms(str(params["norms"])))
            for i, t in enumerate(key.traits):
                out[f"{t}.t"], out[f"{t}.stanine"] = t_scores[:, i], stanines[:, i]
        return out
