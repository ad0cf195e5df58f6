"""Thresholds, ranking and the final score of several stages, vectorised over candidates.

Every rule is data. Thresholds and `ranking: {tie_breaks, advance_multiple}` come from the
profile (question_bank/profiles/*.yaml), and so does the final score: its `final_score` block,
checked and normalised by question_bank/profiles.py (`rank_final_of`), has this form:

    {"stage": "SKD",                        # which stage this profile's total is
     "stages": {"SKD": 0.4, "SKB": 0.6},   # weight per stage; {weight: w, max: m} rescales to 0..100 first
     "decimals": 3,                         # rounded half up before comparing (optional)
     "tie_breaks": ["SKD", "TKP", "TIU", "TWK", {"key": "date_of_birth", "order": "ascending"}],
     "advance_multiple": 1}

A tie-break entry is a column name (higher first) or {key, order: ascending|descending};
`date_of_birth` ascending puts the older candidate first. Ranks are competition ranks within a
formation (1, 2, 2, 4): candidates equal on the total and the whole chain share one, so
"rank <= N x vacancies" lets everyone tied with the candidate at the cut-off advance."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from exam_engine.scoring.base import round_half_up
from exam_engine.scoring.results import in_total, thresholds_for
from question_bank.profiles import Profile

Columns = Mapping[str, np.ndarray]


@dataclass(frozen=True)
class Ranking:
    """Per candidate, in input order, except `order`."""

    total: np.ndarray     # float64: the stage total, or the final score
    passed: np.ndarray    # bool: passed every threshold (final: eligible), hence ranked
    rank: np.ndarray      # int64 competition rank within the formation; 0 = not ranked
    advances: np.ndarray  # bool: within N x vacancies, ties at the cut-off included
    order: np.ndarray     # indices of the ranked candidates, formation by formation, best first


def formation_codes(formation: np.ndarray | Sequence[Any], names: Sequence[str] = ()
                    ) -> tuple[np.ndarray, tuple[str, ...]]:
    """(int codes, formation names): strings are coded here; int codes index `names`."""
    values = np.asarray(formation)
    if values.dtype.kind in "iu":
        if values.size and not 0 <= int(values.min()) <= int(values.max()) < len(names):
            raise ValueError(f"formation codes must index the {len(names)} formation names")
        return values.astype(np.intp), tuple(names)
    found, codes = np.unique(values.astype(str), return_inverse=True)
    return codes.astype(np.intp), tuple(found.tolist())


def _numeric(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values)
    if values.dtype.kind == "M":  # dates sort as day numbers; an unknown date (NaT) sorts last
        days = values.astype("datetime64[D]")
        return np.where(np.isnat(days), np.nan, days.astype(np.int64).astype(np.float64))
    return values.astype(np.float64)


def _compact(values: np.ndarray) -> np.ndarray:
    """int16 when lossless (scores, day numbers): numpy sorts 16-bit integers by radix, about
    ten times faster than floats; anything else stays float64."""
    if values.size and np.isfinite(values).all() and -32768 <= values.min() and values.max() <= 32767 \
            and (values == np.floor(values)).all():
        return values.astype(np.int16)
    return values


def tie_chain(entries: Sequence[Any]) -> list[tuple[str, bool]]:
    """[(column, descending)] from the data form of a tie-break chain."""
    chain: list[tuple[str, bool]] = []
    for entry in entries:
        if isinstance(entry, Mapping):
            order = str(entry.get("order", "descending"))
            if order not in ("ascending", "descending"):
                raise ValueError(f"tie-break {entry!r}: order must be ascending or descending")
            chain.append((str(entry["key"]), order == "descending"))
        else:
            chain.append((str(entry), True))
    return chain


def stage_total(profile: Profile, scores: Columns) -> np.ndarray:
    """The sum of the section scores that add into the total (a personality inventory does
    not), in float64 like judge()."""
    total = np.zeros(len(np.asarray(scores[profile.sections[0].code])), dtype=np.float64)
    for section in profile.sections:
        if in_total(section):
            total += np.asarray(scores[section.code], dtype=np.float64)
    return total


def passes(profile: Profile, scores: Columns, codes: np.ndarray, names: Sequence[str],
           total: np.ndarray | None = None) -> np.ndarray:
    """bool per candidate: every threshold of their formation met (a formation's own entry
    replaces the default whole, as in judge()). TOTAL: the stage total, if already summed."""
    total = stage_total(profile, scores) if total is None else total
    ok = np.isfinite(total)  # an invalid section score never passes
    limits = [thresholds_for(profile, name) for name in names]
    columns: dict[str, np.ndarray] = {section: np.asarray(scores[section]) for section in dict.fromkeys(
        s for lim in limits for s in (lim.get("sections") or {}))}
    if any(lim.get("total") is not None for lim in limits):
        columns[""] = total  # "" stands for the total: no section is called that
    # One comparison per thresholded column, each candidate against their own formation's
    # limit (looked up by code), instead of one pass per formation.
    for column, values in columns.items():
        found = [(lim.get("total") if column == "" else (lim.get("sections") or {}).get(column)) for lim in limits]
        applies = np.array([f is not None for f in found] or [False])
        limit = np.array([float(f) if f is not None else 0.0 for f in found] or [0.0])
        ok &= (values >= limit[codes]) | ~applies[codes]
    return ok


def rank_within(codes: np.ndarray, keys: Sequence[tuple[np.ndarray, bool]], eligible: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """(rank, order): competition ranks within each code by `keys` (first decides, then the
    next, ...; each (values, descending)), among the eligible; rank 0 for the others."""
    idx = np.flatnonzero(eligible)
    signed = [_compact(-_numeric(np.asarray(v)[idx]) if desc else _numeric(np.asarray(v)[idx])) for v, desc in keys]
    # lexsort's last key is the primary one: formation, then the keys in chain order.
    formation = codes[idx].astype(np.int16) if len(codes) == 0 or codes.max() < 32768 else codes[idx]
    perm = np.lexsort([*reversed(signed), formation])
    order = idx[perm]
    group = codes[order]
    n = len(order)
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = group[1:] != group[:-1]
    new_tie = new_group.copy()
    for v in signed:
        s = v[perm]
        new_tie[1:] |= s[1:] != s[:-1]
    pos = np.arange(n)
    group_start = np.maximum.accumulate(np.where(new_group, pos, 0))
    tie_start = np.maximum.accumulate(np.where(new_tie, pos, 0))
    rank = np.zeros(len(codes), dtype=np.int64)
    rank[order] = tie_start - group_start + 1
    return rank, order


def advances_within(rank: np.ndarray, codes: np.ndarray, names: Sequence[str], vacancies: Mapping[str, int],
                    multiple: float) -> tuple[np.ndarray, tuple[str, ...]]:
    """(advances, formations with someone ranked but no vacancy count): rank <= N x vacancies
    within the formation; nobody of an uncounted formation advances (the caller must say so)."""
    ranked = np.bincount(codes[rank > 0], minlength=len(names)) > 0
    unset = tuple(name for name, any_ranked in zip(names, ranked, strict=True) if any_ranked and name not in vacancies)
    quota = np.array([multiple * vacancies.get(name, 0) for name in names] or [0.0])
    return (rank > 0) & (rank <= quota[codes]), unset


def _advances(rank: np.ndarray, codes: np.ndarray, names: Sequence[str],
              vacancies: Mapping[str, int] | None, multiple: float) -> np.ndarray:
    if vacancies is None:  # ranking only: everyone ranked goes on
        return rank > 0
    advances, missing = advances_within(rank, codes, names, vacancies, multiple)
    if missing:
        raise ValueError(f"no vacancy count for formation(s) {', '.join(missing)}")
    return advances


def rank_stage(profile: Profile, scores: Columns, formation: np.ndarray | Sequence[Any],
               vacancies: Mapping[str, int] | None = None) -> Ranking:
    """Pass/fail, ranking and "N x vacancies advance" of one stage (SKD) by the profile's rules.

    scores: section scores by code (plus any other column the chain names), (candidates,) each;
    formation: names, or int codes into profile.formations; vacancies: per formation name."""
    codes, names = formation_codes(formation, profile.formations)
    total = stage_total(profile, scores)
    passed = passes(profile, scores, codes, names, total)
    chain = tie_chain(profile.ranking.get("tie_breaks") or [])
    keys = [(total, True), *[(np.asarray(scores[c]), desc) for c, desc in chain]]
    rank, order = rank_within(codes, keys, passed)
    multiple = float(profile.ranking.get("advance_multiple", 1))
    return Ranking(total, passed, rank, _advances(rank, codes, names, vacancies, multiple), order)


def final_score(stages: Mapping[str, Any], columns: Columns) -> np.ndarray:
    """The weighted sum of the stages, rescaled and rounded as `stages` says."""
    final = np.zeros(len(next(iter(columns.values()))), dtype=np.float64)
    for stage, rule in stages["stages"].items():
        weight, top = (rule["weight"], rule.get("max")) if isinstance(rule, Mapping) else (rule, None)
        part = np.asarray(columns[stage], dtype=np.float64) * float(weight)
        final += part * (100.0 / float(top)) if top else part
    decimals = stages.get("decimals")
    return round_half_up(final, int(decimals)) if decimals is not None else final


def rank_final(stages: Mapping[str, Any], columns: Columns, formation: np.ndarray | Sequence[Any],
               eligible: np.ndarray | None = None, vacancies: Mapping[str, int] | None = None,
               names: Sequence[str] = ()) -> Ranking:
    """Final score of several stages and its ranking with the stages' own tie-break chain.

    columns: stage scores and chain columns by name; eligible: who sat every stage (default all)."""
    codes, names = formation_codes(formation, names)
    final = final_score(stages, columns)
    ok = np.isfinite(final) & (np.ones(len(final), dtype=bool) if eligible is None else np.asarray(eligible, bool))
    keys = [(final, True), *[(np.asarray(columns[c]), desc) for c, desc in tie_chain(stages.get("tie_breaks") or [])]]
    rank, order = rank_within(codes, keys, ok)
    multiple = float(stages.get("advance_multiple", 1))
    return Ranking(final, ok, rank, _advances(rank, codes, names, vacancies, multiple), order)


def rank_final_of(profile: Profile, columns: Columns, formation: np.ndarray | Sequence[Any],
                  eligible: np.ndarray | None = None, vacancies: Mapping[str, int] | None = None) -> Ranking:
    """rank_final by the profile's own `final_score` block (weights, rounding, chain, multiple);
    formation: names, or int codes into profile.formations."""
    if not profile.final_score:
        raise ValueError(f"profile {profile.code} has no final_score block: its weights and tie-break "
                         "chain must be stated in the profile, not assumed")
    missing = [name for name in [*profile.final_score["stages"], *(c for c, _ in tie_chain(
        profile.final_score.get("tie_breaks") or []))] if name not in columns]
    if missing:
        raise ValueError(f"final score of profile {profile.code}: no column {', '.join(dict.fromkeys(missing))}")
    return rank_final(profile.final_score, columns, formation, eligible, vacancies, profile.formations)
