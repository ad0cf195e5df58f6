"""Exam profiles and blueprints (kisi-kisi) as data: sections, counts per topic, difficulty
mix, time, scoring rule and thresholds. Numbers change by regulation, so none live in code."""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from exam_engine.problems import InvalidFile, Problems, read_text
from question_bank.item_types import GENERATED_TYPES, ITEM_TYPES

#: Difficulty bands of the 1..5 scale used by blueprints.
BANDS: dict[str, tuple[int, ...]] = {"easy": (1, 2), "medium": (3,), "hard": (4, 5)}


@dataclass(frozen=True)
class Sheet:
    """A generated (Kraepelin) section's sheet: `columns` columns of `digits` digits; the
    server moves the candidate to the next column every `seconds_per_column` seconds."""

    columns: int
    digits: int
    seconds_per_column: int

    @property
    def cells(self) -> int:
        return self.columns * (self.digits - 1)


@dataclass(frozen=True)
class SectionBlueprint:
    code: str
    name: dict[str, str]
    item_type: str
    scoring: dict[str, Any]
    items: int
    max_score: float
    topics: dict[str, int]
    difficulty_mix: dict[str, float]
    weight_range: tuple[int, int] | None = None
    time_group: str | None = None
    sheet: Sheet | None = None

    def band_counts(self) -> dict[str, int]:
        """Items per difficulty band; largest remainder so the counts add up exactly."""
        raw = {band: self.items * share for band, share in self.difficulty_mix.items()}
        counts = {band: int(v) for band, v in raw.items()}
        short = self.items - sum(counts.values())
        for band in sorted(raw, key=lambda b: (-(raw[b] - counts[b]), b))[:short]:
            counts[band] += 1
        return counts


@dataclass(frozen=True)
class TimeGroup:
    code: str
    seconds: int
    sections: tuple[str, ...]
    #: A Kraepelin column: the part holds only that column's cells of its one section.
    column: int | None = None


@dataclass(frozen=True)
class Profile:
    code: str
    name: dict[str, str]
    duration_minutes: int
    sections: tuple[SectionBlueprint, ...]
    formations: tuple[str, ...]
    accommodations: dict[str, dict[str, Any]]
    thresholds: dict[str, Any]
    ranking: dict[str, Any]   # {tie_breaks: [...], advance_multiple: N}: N x vacancies advance
    exposure_limit: float
    difficulty_tolerance: float
    show_scores: bool = True
    time_groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The final score of several stages (results/ranking.py `rank_final`), normalised:
    #: {stage, stages: {name: {weight, max}}, decimals, tie_breaks, advance_multiple}; {} if none.
    final_score: dict[str, Any] = field(default_factory=dict)
    source: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def section(self, code: str) -> SectionBlueprint:
        return next(s for s in self.sections if s.code == code)

    def extra_minutes(self, accommodations: list[str]) -> int:
        return sum(int(self.accommodations[a].get("extra_minutes", 0)) for a in accommodations)

    def time_plan(self, extra_minutes: int = 0) -> list[TimeGroup]:
        """Timed parts in order. Without time groups the whole exam is one part; with them
        (PPPK: the interview has its own 10 minutes after the other three) each part opens
        when the previous one ends. A Kraepelin section is one part per column, of its
        `seconds_per_column` each, wherever it stands. Extra minutes from accommodations go to
        the first part that is not a column: the columns' interval is the test itself."""
        def group(s: SectionBlueprint) -> str:
            return (s.time_group or "") if self.time_groups else ""

        order: list[str | SectionBlueprint] = []
        for s in self.sections:
            if s.sheet is not None:
                order.append(s)
            elif group(s) not in order:
                order.append(group(s))
        plan: list[TimeGroup] = []
        extra = extra_minutes * 60
        for part in order:
            if isinstance(part, SectionBlueprint):
                sheet = part.sheet
                assert sheet is not None
                plan += [TimeGroup(f"{part.code}.{c + 1}", sheet.seconds_per_column, (part.code,), c)
                         for c in range(sheet.columns)]
                continue
            minutes = int(self.time_groups[part]["minutes"]) if self.time_groups else self.duration_minutes
            plan.append(TimeGroup(part if self.time_groups else "all", minutes * 60 + extra,
                                  tuple(s.code for s in self.sections if s.sheet is None and group(s) == part)))
            extra = 0
        return plan


def _section(raw: Any, index: int, problems: Problems) -> SectionBlueprint | None:
    where = f"sections[{index}]"
    if not isinstance(raw, dict):
        problems.add(1, where, "must be a mapping")
        return None
    before = len(problems.items)
    code = str(raw.get("code", ""))
    item_type = raw.get("item_type")
    if item_type in GENERATED_TYPES:
        return _generated_section(raw, where, code, problems)
    if item_type not in ITEM_TYPES:
        problems.add(1, f"{where}.item_type", f"{item_type!r}: use one of {', '.join([*ITEM_TYPES, *GENERATED_TYPES])}")
    items = raw.get("items")
    topics = raw.get("topics") or {}
    if not isinstance(items, int) or items < 1:
        problems.add(1, f"{where}.items", "must be a positive whole number")
    elif not isinstance(topics, dict) or sum(topics.values()) != items:
        problems.add(1, f"{where}.topics", f"topic counts must add up to {items}")
    mix = raw.get("difficulty_mix") or {"easy": 0.3, "medium": 0.5, "hard": 0.2}
    if set(mix) - set(BANDS) or abs(sum(mix.values()) - 1) > 1e-9:
        problems.add(1, f"{where}.difficulty_mix", f"bands {', '.join(BANDS)} with shares adding up to 1")
    wr = raw.get("weight_range")
    if len(problems.items) != before:
        return None
    return SectionBlueprint(code, raw.get("name") or {"id": code, "en": code}, item_type, raw.get("scoring") or {},
                            items, float(raw.get("max_score", 0)), dict(topics), dict(mix),
                            tuple(wr) if wr else None, raw.get("time_group"))  # type: ignore[arg-type]


def _generated_section(raw: dict[str, Any], where: str, code: str, problems: Problems) -> SectionBlueprint | None:
    """A section generated per form (Kraepelin): a `sheet` instead of items, topics and mix."""
    before = len(problems.items)
    sheet = raw.get("sheet") if isinstance(raw.get("sheet"), dict) else {}
    values = {}
    for name, least in (("columns", 1), ("digits", 2), ("seconds_per_column", 1)):
        value = sheet.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            problems.add(1, f"{where}.sheet.{name}", f"must be a whole number of at least {least}")
        values[name] = value
    scoring = raw.get("scoring") or {"rule": raw["item_type"]}
    if scoring.get("rule") != raw["item_type"]:
        problems.add(1, f"{where}.scoring.rule", f"a {raw['item_type']} section is scored by the {raw['item_type']} rule")
    if raw.get("time_group") is not None:
        problems.add(1, f"{where}.time_group", "a Kraepelin section is timed per column (sheet.seconds_per_column)")
    if len(problems.items) != before:
        return None
    made = Sheet(**values)
    return SectionBlueprint(code, raw.get("name") or {"id": code, "en": code}, raw["item_type"], dict(scoring),
                            made.cells, float(raw.get("max_score", made.cells)), {}, {}, sheet=made)


#: A tie-break may also name the candidate's date of birth (from the roster).
PERSONAL_KEYS = ("date_of_birth",)


def _positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _tie_breaks(raw: Any, where: str, known: list[str], problems: Problems) -> None:
    """A chain entry is a column name (higher first) or {key, order: ascending|descending}."""
    if not isinstance(raw, list):
        problems.add(1, where, "must be a list of column names or {key, order} entries")
        return
    for k, entry in enumerate(raw):
        key = entry.get("key") if isinstance(entry, dict) else entry
        if isinstance(entry, dict) and entry.get("order", "descending") not in ("ascending", "descending"):
            problems.add(1, f"{where}[{k}].order", f"{entry.get('order')!r}: ascending or descending")
        if not isinstance(key, str) or key not in known:
            problems.add(1, f"{where}[{k}]", f"{key!r}: not one of {', '.join(known)}")


def _ranking(raw: Any, sections: list[str], problems: Problems) -> dict[str, Any]:
    if not isinstance(raw, dict):
        problems.add(1, "ranking", "must be a mapping {tie_breaks, advance_multiple}")
        return {}
    _tie_breaks(raw.get("tie_breaks", []), "ranking.tie_breaks", [*sections, *PERSONAL_KEYS], problems)
    if not _positive(raw.get("advance_multiple", 1)):
        problems.add(1, "ranking.advance_multiple", "must be a positive number (N in 'N x vacancies advance')")
    return raw


def _final_score(raw: Any, sections: list[str], problems: Problems) -> dict[str, Any]:
    """SKD 40 % + SKB 60 % and its own chain, as data; weights must add up to 1."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not isinstance(raw.get("stages"), dict) or not raw["stages"]:
        problems.add(1, "final_score.stages", "must map each stage to a weight or {weight, max}")
        return {}
    stages: dict[str, dict[str, float | None]] = {}
    for name, rule in raw["stages"].items():
        weight, top = (rule.get("weight"), rule.get("max")) if isinstance(rule, dict) else (rule, None)
        if not _positive(weight) or (top is not None and not _positive(top)):
            problems.add(1, f"final_score.stages.{name}", "weight (and max, if given) must be positive numbers")
            continue
        stages[str(name)] = {"weight": float(weight), "max": None if top is None else float(top)}
    if len(stages) == len(raw["stages"]) and abs(sum(float(r["weight"] or 0) for r in stages.values()) - 1) > 1e-9:
        problems.add(1, "final_score.stages", "the weights must add up to 1 (e.g. SKD 0.4 + SKB 0.6)")
    names = [str(name) for name in raw["stages"]]  # a stage with a bad weight is reported once, above
    stage = raw.get("stage")
    if stage not in names:
        problems.add(1, "final_score.stage", f"{stage!r}: name which of the stages ({', '.join(names)}) "
                     "this profile's total is")
    decimals = raw.get("decimals")
    if decimals is not None and (isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0):
        problems.add(1, "final_score.decimals", "must be a whole number of at least 0")
    if not _positive(raw.get("advance_multiple", 1)):
        problems.add(1, "final_score.advance_multiple", "must be a positive number")
    chain = raw.get("tie_breaks", [])
    _tie_breaks(chain, "final_score.tie_breaks", [*names, *sections, *PERSONAL_KEYS], problems)
    return {"stage": stage, "stages": stages, "decimals": decimals, "tie_breaks": chain,
            "advance_multiple": raw.get("advance_multiple", 1)}


def parse_profile(data: Any, source: str) -> Profile:
    problems = Problems(source)
    if not isinstance(data, dict):
        problems.add(1, "profile", "must be a mapping")
        raise InvalidFile(problems.items)
    for name in ("code", "duration_minutes", "sections"):
        if name not in data:
            problems.add(1, name, "missing")
    sections = [s for i, raw in enumerate(data.get("sections") or []) if (s := _section(raw, i, problems))]
    assembly = data.get("assembly") or {}
    groups = data.get("time_groups") or {}
    for s in sections:
        if groups and s.sheet is None and s.time_group not in groups:
            problems.add(1, f"sections.{s.code}.time_group", f"{s.time_group!r}: not one of {', '.join(groups)}")
    for code, group in groups.items():
        if not isinstance(group, dict) or not isinstance(group.get("minutes"), int) or group["minutes"] < 1:
            problems.add(1, f"time_groups.{code}.minutes", "must be a positive whole number")
    codes = [s.code for s in sections]
    ranking = _ranking(data.get("ranking") or {}, codes, problems)
    final = _final_score(data.get("final_score"), codes, problems)
    if problems:
        raise InvalidFile(problems.items)
    return Profile(
        code=data["code"], name=data.get("name") or {"id": data["code"]},
        duration_minutes=int(data["duration_minutes"]), sections=tuple(sections),
        formations=tuple(data.get("formations") or ["umum"]),
        accommodations=data.get("accommodations") or {}, thresholds=data.get("thresholds") or {},
        ranking=ranking, exposure_limit=float(assembly.get("exposure_limit", 1.0)),
        difficulty_tolerance=float(assembly.get("difficulty_tolerance", 0.5)),
        show_scores=bool(data.get("show_scores", True)), time_groups=data.get("time_groups") or {},
        final_score=final, source=data,
    )


def builtin_profiles() -> dict[str, Path]:
    folder = resources.files("question_bank") / "profiles"
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir() if str(p).endswith(".yaml")}


def load_profile(name_or_path: str) -> Profile:
    """A shipped profile by code (`skd-cpns`) or a profile file by path."""
    path = builtin_profiles().get(name_or_path) or Path(name_or_path)
    problems = Problems(str(path))
    text = read_text(path, problems)
    if text is None:
        if not path.exists() and name_or_path not in builtin_profiles():
            problems.items.clear()
            problems.add(1, "profile", f"no such profile (shipped: {', '.join(sorted(builtin_profiles()))})")
        raise InvalidFile(problems.items)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problems.add(1, "yaml", str(exc))
        raise InvalidFile(problems.items) from None
    return parse_profile(data, str(path))
