"""Deterministic generator for the TIU sample item bank (``skd-sample-tiu``).

Writes ``question_bank/samples/tiu.yaml`` and the figural SVG images
``question_bank/samples/images/tiu-*.svg``.  Regenerate from the repository root with
``python -m question_bank.generators.tiu`` or ``python question_bank/generators/tiu.py``.
A fixed seed makes every run byte-identical.

Numeric families (deret, berhitung, perbandingan, soal_cerita) are generated and their
keys computed exactly with :class:`fractions.Fraction`; analogi, silogisme and analitis
are hand-written data that is checked by brute force (syllogism models, puzzle
arrangements) before anything is written; figural items are drawn as small SVGs.
"""
from __future__ import annotations

import itertools
import math
import random
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Sequence, TypeVar

import yaml

SEED = 20250321
BANK = "skd-sample-tiu"
SECTION = "TIU"
KEYS = "ABCDE"

QB_DIR = Path(__file__).resolve().parents[1]
SAMPLES_DIR = QB_DIR / "samples"
IMAGES_DIR = SAMPLES_DIR / "images"
OUTPUT = SAMPLES_DIR / "tiu.yaml"

TOPIC_COUNTS: dict[str, int] = {
    "analogi": 12,
    "silogisme": 10,
    "analitis": 8,
    "berhitung": 12,
    "deret": 12,
    "perbandingan": 9,
    "soal_cerita": 9,
    "figural": 6,
}
ID_PREFIX: dict[str, str] = {
    "analogi": "TIU-ANL",
    "silogisme": "TIU-SIL",
    "analitis": "TIU-ANA",
    "berhitung": "TIU-HIT",
    "deret": "TIU-DER",
    "perbandingan": "TIU-PK",
    "soal_cerita": "TIU-SC",
    "figural": "TIU-FIG",
}
DIFFICULTY_MIX = (0.3, 0.5, 0.2)  # easy {1,2}, medium {3}, hard {4,5}

Option = str | dict[str, str]
Raw = tuple[str, str, list[str]]  # stem, answer, distractors (option texts)
T = TypeVar("T")


# --------------------------------------------------------------------------- helpers

def difficulty_plan(n: int) -> list[int]:
    """Difficulties for ``n`` items: 30/50/20 % by largest remainder, every band used."""
    quotas = [n * share for share in DIFFICULTY_MIX]
    counts = [math.floor(q) for q in quotas]
    order = sorted(range(3), key=lambda i: (-(quotas[i] - counts[i]), i))
    for i in order[: n - sum(counts)]:
        counts[i] += 1
    for i in range(3):
        if counts[i] == 0:
            donor = max(range(3), key=lambda k: counts[k])
            counts[donor] -= 1
            counts[i] += 1
    easy, medium, hard = counts
    ones, fours = easy // 2, (hard + 1) // 2
    return [1] * ones + [2] * (easy - ones) + [3] * medium + [4] * fours + [5] * (hard - fours)


def letter_stream(rng: random.Random, n: int) -> list[str]:
    """Answer letters: consecutive shuffled blocks of A..E, so letters stay balanced."""
    letters: list[str] = []
    while len(letters) < n:
        block = list(KEYS)
        rng.shuffle(block)
        letters.extend(block)
    return letters[:n]


def place_answer(answer: T, distractors: Sequence[T], letter: str,
                 rng: random.Random | None) -> dict[str, T]:
    """Options A..E with ``answer`` at ``letter``; distractors shuffled when ``rng`` given."""
    others = list(distractors)
    if len(others) != len(KEYS) - 1:
        raise ValueError(f"need {len(KEYS) - 1} distractors, got {len(others)}")
    if rng is not None:
        rng.shuffle(others)
    idx = KEYS.index(letter)
    values = others[:idx] + [answer] + others[idx:]
    return dict(zip(KEYS, values, strict=True))


def fmt_int(n: int) -> str:
    """Integer with Indonesian thousands separators from 10.000 up."""
    sign = "-" if n < 0 else ""
    digits = f"{abs(n):,}".replace(",", ".") if abs(n) >= 10000 else str(abs(n))
    return sign + digits


def fmt_rp(n: int | Fraction) -> str:
    value = Fraction(n)
    if value.denominator != 1:
        raise ValueError(f"non-integer rupiah amount {value}")
    return "Rp" + f"{int(value):,}".replace(",", ".")


def fmt_frac(x: Fraction) -> str:
    """Integer, or an improper fraction ``a/b``."""
    x = Fraction(x)
    if x.denominator == 1:
        return fmt_int(x.numerator)
    return f"{'-' if x < 0 else ''}{abs(x.numerator)}/{x.denominator}"


def fmt_mixed(x: Fraction) -> str:
    """Integer, proper fraction, or mixed number ``2 3/4``."""
    x = Fraction(x)
    if x.denominator == 1 or abs(x) < 1:
        return fmt_frac(x)
    whole, rest = divmod(abs(x.numerator), x.denominator)
    return f"{'-' if x < 0 else ''}{whole} {rest}/{x.denominator}"


def fmt_dec(x: Fraction) -> str:
    """Exact decimal with a decimal comma (the denominator must divide a power of 10)."""
    x = Fraction(x)
    for places in range(0, 7):
        scaled = x * 10 ** places
        if scaled.denominator == 1:
            n = abs(scaled.numerator)
            text = str(n).rjust(places + 1, "0")
            body = text if places == 0 else f"{text[:-places]},{text[-places:]}"
            return ("-" if x < 0 else "") + body
    raise ValueError(f"{x} has no short decimal expansion")


def near_misses(answer: Fraction, candidates: Sequence[Fraction | int],
                fmt: Callable[[Fraction], str], steps: Sequence[Fraction | int],
                rng: random.Random, positive: bool = True, integral: bool = False) -> list[str]:
    """Four distinct wrong values: typical-mistake candidates first, then answer +/- steps.

    Candidates that are non-positive (when ``positive``), non-integers (when ``integral``)
    or that ``fmt`` cannot render are skipped.
    """
    answer = Fraction(answer)
    seen = {fmt(answer)}
    chosen: list[str] = []

    def take(value: Fraction) -> None:
        if len(chosen) == 4 or value == answer or (positive and value <= 0):
            return
        if integral and value.denominator != 1:
            return
        try:
            text = fmt(value)
        except ValueError:
            return
        if text not in seen:
            seen.add(text)
            chosen.append(text)

    for cand in candidates:
        take(Fraction(cand))
    fallback: list[Fraction] = []
    for k in range(1, 6):
        for step in steps:
            fallback.extend([answer + k * Fraction(step), answer - k * Fraction(step)])
    for cand in fallback:
        take(cand)
    if len(chosen) < 4:
        raise ValueError(f"could not find 4 distractors for {answer}")
    rng.shuffle(chosen)
    return chosen


# --------------------------------------------------------------------------- analogi

ANALOGI: list[dict[str, Any]] = [
    {"difficulty": 1, "pair": "PISAU : MEMOTONG",
     "answer": "PENA : MENULIS",
     "distractors": ["BUKU : MEMBACA", "GURU : MENGAJAR", "PALU : PAKU", "KERTAS : TINTA"]},
    {"difficulty": 1, "pair": "DOKTER : RUMAH SAKIT",
     "answer": "GURU : SEKOLAH",
     "distractors": ["PASIEN : OBAT", "PETANI : CANGKUL", "KOKI : MASAKAN", "PENULIS : BUKU"]},
    {"difficulty": 2, "pair": "GEMUK : KURUS",
     "answer": "MAHAL : MURAH",
     "distractors": ["CANTIK : ELOK", "PANAS : API", "HUJAN : BASAH", "TAJAM : RUNCING"]},
    {"difficulty": 2, "pair": "AIR : HAUS", "single": "MAKANAN",
     "answer": "LAPAR",
     "distractors": ["KENYANG", "NASI", "DAHAGA", "MINUM"]},
    {"difficulty": 3, "pair": "KEPALA : TOPI",
     "answer": "KAKI : KAUS KAKI",
     "distractors": ["LEHER : KEPALA", "TELINGA : MENDENGAR", "RAMBUT : SISIR", "BAJU : BADAN"]},
    {"difficulty": 3, "pair": "SEMUT : SERANGGA",
     "answer": "PAUS : MAMALIA",
     "distractors": ["KELELAWAR : BURUNG", "UDANG : IKAN", "PENYU : AMFIBI",
                     "LABA-LABA : SERANGGA"]},
    {"difficulty": 3, "pair": "KAYU : LEMARI",
     "answer": "BENANG : KAIN",
     "distractors": ["KAIN : BENANG", "MEJA : KURSI", "GURU : MURID", "SAWAH : PADI"]},
    {"difficulty": 3, "pair": "BENSIN : MOBIL",
     "answer": "LISTRIK : KULKAS",
     "distractors": ["OLI : MESIN", "RODA : SEPEDA", "AIR : IKAN", "SOPIR : BUS"]},
    {"difficulty": 3, "pair": "KECEBONG : KATAK",
     "answer": "ULAT : KUPU-KUPU",
     "distractors": ["KUPU-KUPU : KEPOMPONG", "BELALANG : JANGKRIK", "ANAK AYAM : BEBEK",
                     "LEBAH : MADU"]},
    {"difficulty": 3, "pair": "SENYUM : TERTAWA",
     "answer": "BERJALAN : BERLARI",
     "distractors": ["MENANGIS : TERTAWA", "DUDUK : BERDIRI", "BERLARI : BERJALAN",
                     "MAKAN : MINUM"]},
    {"difficulty": 4, "pair": "NAKHODA : KAPAL",
     "answer": "MASINIS : KERETA API",
     "distractors": ["KUSIR : KUDA", "PILOT : BANDARA", "SOPIR : BENSIN", "KONDEKTUR : BUS"]},
    {"difficulty": 5, "pair": "JAM : WAKTU",
     "answer": "BAROMETER : TEKANAN UDARA",
     "distractors": ["HIGROMETER : SUHU", "SPEEDOMETER : JARAK", "SEISMOGRAF : ANGIN",
                     "ANEMOMETER : CURAH HUJAN"]},
]


def analogi_raw(entry: dict[str, Any]) -> Raw:
    if "single" in entry:
        stem = (f"{entry['pair']} = {entry['single']} : ...\n"
                "Kata yang tepat untuk mengisi titik-titik di atas adalah ...")
    else:
        stem = (f"{entry['pair']} = ... : ...\n"
                "Pasangan kata yang memiliki hubungan paling sesuai dengan pasangan kata "
                "di atas adalah ...")
    return stem, entry["answer"], list(entry["distractors"])


# --------------------------------------------------------------------------- silogisme
# Formulas: ("all"|"some"|"no"|"somenot", X, Y) on terms, ("is"|"isnot", ind, X),
# ("atom", p), ("not", f), ("and"|"or"|"if", f, g).  NONE = "no valid conclusion".

NONE = ("none",)
NONE_TEXT = "Tidak dapat ditarik kesimpulan yang sah."

SILOGISME: list[dict[str, Any]] = [
    {"difficulty": 1,
     "premises": [(("all", "P", "A"), "Semua pegawai negeri wajib mengikuti apel pagi."),
                  (("is", "rina", "P"), "Rina adalah pegawai negeri.")],
     "answer": (("is", "rina", "A"), "Rina wajib mengikuti apel pagi."),
     "distractors": [(("isnot", "rina", "A"), "Rina tidak wajib mengikuti apel pagi."),
                     (("all", "A", "P"),
                      "Semua yang wajib mengikuti apel pagi adalah pegawai negeri."),
                     (("somenot", "P", "A"),
                      "Sebagian pegawai negeri tidak wajib mengikuti apel pagi."),
                     (NONE, NONE_TEXT)]},
    {"difficulty": 2,
     "premises": [(("if", ("atom", "h"), ("atom", "b")),
                   "Jika hari ini hujan, maka jalanan di depan kantor basah."),
                  (("not", ("atom", "b")), "Hari ini jalanan di depan kantor tidak basah.")],
     "answer": (("not", ("atom", "h")), "Hari ini tidak hujan."),
     "distractors": [(("atom", "h"), "Hari ini hujan."),
                     (("and", ("atom", "h"), ("not", ("atom", "b"))),
                      "Hari ini hujan, tetapi jalanan di depan kantor tidak basah."),
                     (("if", ("not", ("atom", "h")), ("atom", "b")),
                      "Jika hari ini tidak hujan, maka jalanan di depan kantor basah."),
                     (NONE, NONE_TEXT)]},
    {"difficulty": 2,
     "premises": [(("all", "M", "R"), "Semua mamalia bernapas dengan paru-paru."),
                  (("all", "W", "M"), "Semua paus adalah mamalia.")],
     "answer": (("all", "W", "R"), "Semua paus bernapas dengan paru-paru."),
     "distractors": [(("all", "R", "W"),
                      "Semua hewan yang bernapas dengan paru-paru adalah paus."),
                     (("all", "R", "M"),
                      "Semua hewan yang bernapas dengan paru-paru adalah mamalia."),
                     (("somenot", "W", "R"), "Sebagian paus tidak bernapas dengan paru-paru."),
                     (NONE, NONE_TEXT)]},
    {"difficulty": 3,
     "premises": [(("all", "T", "S"), "Semua peserta pelatihan mendapat sertifikat."),
                  (("some", "T", "G"), "Sebagian peserta pelatihan adalah guru.")],
     "answer": (("some", "G", "S"), "Sebagian guru mendapat sertifikat."),
     "distractors": [(("all", "G", "S"), "Semua guru mendapat sertifikat."),
                     (("all", "S", "T"),
                      "Semua yang mendapat sertifikat adalah peserta pelatihan."),
                     (("somenot", "G", "S"), "Sebagian guru tidak mendapat sertifikat."),
                     (("all", "G", "T"), "Semua guru adalah peserta pelatihan.")]},
    {"difficulty": 3,
     "premises": [(("no", "J", "G"), "Tidak ada pejabat yang boleh menerima gratifikasi."),
                  (("some", "P", "J"), "Sebagian anggota panitia adalah pejabat.")],
     "answer": (("somenot", "P", "G"),
                "Sebagian anggota panitia tidak boleh menerima gratifikasi."),
     "distractors": [(("no", "P", "G"),
                      "Tidak ada anggota panitia yang boleh menerima gratifikasi."),
                     (("some", "P", "G"), "Sebagian anggota panitia boleh menerima gratifikasi."),
                     (("all", "P", "J"), "Semua anggota panitia adalah pejabat."),
                     (NONE, NONE_TEXT)]},
    {"difficulty": 3,
     "premises": [(("or", ("atom", "bus"), ("atom", "kereta")),
                   "Hari ini Andi berangkat ke kantor naik bus atau kereta."),
                  (("not", ("atom", "bus")), "Hari ini Andi tidak naik bus."),
                  (("if", ("atom", "kereta"), ("atom", "pagi")),
                   "Jika Andi naik kereta, maka ia tiba di kantor sebelum pukul 07.00.")],
     "answer": (("atom", "pagi"), "Hari ini Andi tiba di kantor sebelum pukul 07.00."),
     "distractors": [(("not", ("atom", "pagi")),
                      "Hari ini Andi tidak tiba di kantor sebelum pukul 07.00."),
                     (("and", ("atom", "bus"), ("atom", "pagi")),
                      "Hari ini Andi naik bus dan tiba di kantor sebelum pukul 07.00."),
                     (("not", ("atom", "kereta")), "Hari ini Andi tidak naik kereta."),
                     (NONE, NONE_TEXT)]},
    {"difficulty": 3,
     "premises": [(("if", ("atom", "n"), ("atom", "l")),
                   "Jika nilai ujian Sinta tinggi, maka Sinta lulus seleksi."),
                  (("if", ("atom", "l"), ("atom", "p")),
                   "Jika Sinta lulus seleksi, maka Sinta mengikuti pelatihan dasar.")],
     "answer": (("if", ("atom", "n"), ("atom", "p")),
                "Jika nilai ujian Sinta tinggi, maka Sinta mengikuti pelatihan dasar."),
     "distractors": [(("if", ("atom", "p"), ("atom", "n")),
                      "Jika Sinta mengikuti pelatihan dasar, maka nilai ujian Sinta tinggi."),
                     (("if", ("not", ("atom", "n")), ("not", ("atom", "p"))),
                      "Jika nilai ujian Sinta tidak tinggi, maka Sinta tidak mengikuti "
                      "pelatihan dasar."),
                     (("and", ("atom", "n"), ("atom", "p")),
                      "Nilai ujian Sinta tinggi dan Sinta mengikuti pelatihan dasar."),
                     (("if", ("not", ("atom", "p")), ("atom", "l")),
                      "Jika Sinta tidak mengikuti pelatihan dasar, maka Sinta lulus seleksi.")]},
    {"difficulty": 3,
     "premises": [(("all", "D", "T"),
                   "Semua pegawai yang disiplin mendapat tunjangan kinerja penuh."),
                  (("isnot", "budi", "T"), "Budi tidak mendapat tunjangan kinerja penuh.")],
     "answer": (("isnot", "budi", "D"), "Budi bukan pegawai yang disiplin."),
     "distractors": [(("is", "budi", "D"), "Budi adalah pegawai yang disiplin."),
                     (("all", "T", "D"),
                      "Semua yang mendapat tunjangan kinerja penuh adalah pegawai yang disiplin."),
                     (("somenot", "D", "T"),
                      "Sebagian pegawai yang disiplin tidak mendapat tunjangan kinerja penuh."),
                     (NONE, NONE_TEXT)]},
    {"difficulty": 4,
     "premises": [(("all", "L", "B"), "Semua peserta yang lulus SKD mengikuti SKB."),
                  (("no", "U", "B"), "Tidak ada peserta ujian susulan yang mengikuti SKB.")],
     "answer": (("no", "L", "U"),
                "Tidak ada peserta yang lulus SKD yang mengikuti ujian susulan."),
     "distractors": [(("some", "L", "U"),
                      "Sebagian peserta yang lulus SKD mengikuti ujian susulan."),
                     (("all", "B", "L"), "Semua peserta SKB adalah peserta yang lulus SKD."),
                     (("some", "U", "B"), "Sebagian peserta ujian susulan mengikuti SKB."),
                     (("all", "U", "L"),
                      "Semua peserta ujian susulan adalah peserta yang lulus SKD.")]},
    {"difficulty": 5,
     "premises": [(("if", ("atom", "a"), ("atom", "p")),
                   "Jika anggaran disetujui, maka proyek dimulai bulan Maret."),
                  (("if", ("atom", "p"), ("atom", "t")),
                   "Jika proyek dimulai bulan Maret, maka tim tambahan direkrut."),
                  (("or", ("not", ("atom", "t")), ("atom", "k")),
                   "Tim tambahan tidak direkrut atau kantor cabang baru dibuka."),
                  (("not", ("atom", "k")), "Kantor cabang baru tidak dibuka.")],
     "answer": (("not", ("atom", "a")), "Anggaran tidak disetujui."),
     "distractors": [(("and", ("atom", "a"), ("not", ("atom", "p"))),
                      "Anggaran disetujui, tetapi proyek tidak dimulai bulan Maret."),
                     (("atom", "t"), "Tim tambahan direkrut."),
                     (("atom", "p"), "Proyek dimulai bulan Maret."),
                     (("if", ("not", ("atom", "t")), ("atom", "a")),
                      "Jika tim tambahan tidak direkrut, maka anggaran disetujui.")]},
]


def _collect(formula: tuple, terms: set[str], inds: set[str], atoms: set[str]) -> None:
    kind = formula[0]
    if kind in ("all", "some", "no", "somenot"):
        terms.update(formula[1:])
    elif kind in ("is", "isnot"):
        inds.add(formula[1])
        terms.add(formula[2])
    elif kind == "atom":
        atoms.add(formula[1])
    elif kind in ("not", "and", "or", "if"):
        for sub in formula[1:]:
            _collect(sub, terms, inds, atoms)


def _holds(f: tuple, model: tuple[list[int], dict[str, int], dict[str, bool]],
           bit: dict[str, int]) -> bool:
    regions, where, truth = model
    kind = f[0]

    def has(region: int, term: str) -> bool:
        return bool(region >> bit[term] & 1)

    if kind == "all":
        return all(has(r, f[2]) for r in regions if has(r, f[1]))
    if kind == "some":
        return any(has(r, f[1]) and has(r, f[2]) for r in regions)
    if kind == "no":
        return not any(has(r, f[1]) and has(r, f[2]) for r in regions)
    if kind == "somenot":
        return any(has(r, f[1]) and not has(r, f[2]) for r in regions)
    if kind == "is":
        return has(where[f[1]], f[2])
    if kind == "isnot":
        return not has(where[f[1]], f[2])
    if kind == "atom":
        return truth[f[1]]
    if kind == "not":
        return not _holds(f[1], model, bit)
    if kind == "and":
        return _holds(f[1], model, bit) and _holds(f[2], model, bit)
    if kind == "or":
        return _holds(f[1], model, bit) or _holds(f[2], model, bit)
    if kind == "if":
        return (not _holds(f[1], model, bit)) or _holds(f[2], model, bit)
    raise ValueError(f"unknown formula {f!r}")


def syllogism_valid_options(entry: dict[str, Any]) -> list[bool]:
    """Which options follow from the premises (every term non-empty, as in SKD)."""
    options = [entry["answer"]] + entry["distractors"]
    terms: set[str] = set()
    inds: set[str] = set()
    atoms: set[str] = set()
    for formula, _ in entry["premises"] + options:
        _collect(formula, terms, inds, atoms)
    term_list, ind_list, atom_list = sorted(terms), sorted(inds), sorted(atoms)
    bit = {t: i for i, t in enumerate(term_list)}
    all_regions = list(range(2 ** len(term_list)))
    models = []
    for mask in range(2 ** len(all_regions)):
        regions = [r for r in all_regions if mask >> r & 1]
        if term_list and not all(any(r >> bit[t] & 1 for r in regions) for t in term_list):
            continue
        for places in itertools.product(regions or [0], repeat=len(ind_list)):
            for values in itertools.product([False, True], repeat=len(atom_list)):
                models.append((regions, dict(zip(ind_list, places, strict=True)),
                               dict(zip(atom_list, values, strict=True))))
    premise_models = [m for m in models
                      if all(_holds(f, m, bit) for f, _ in entry["premises"])]
    if not premise_models:
        raise ValueError("inconsistent premises")
    valid = [f != NONE and all(_holds(f, m, bit) for m in premise_models) for f, _ in options]
    if not any(valid):
        valid = [f == NONE for f, _ in options]
    return valid


def silogisme_raw(entry: dict[str, Any]) -> Raw:
    valid = syllogism_valid_options(entry)
    if valid != [True] + [False] * (len(valid) - 1):
        raise ValueError(f"silogisme key check failed: {entry['answer'][1]} -> {valid}")
    lines = [text for _, text in entry["premises"]]
    which = "kedua pernyataan" if len(lines) == 2 else "pernyataan-pernyataan"
    stem = "\n".join(lines) + f"\nKesimpulan yang tepat dari {which} di atas adalah ..."
    return stem, entry["answer"][1], [text for _, text in entry["distractors"]]


# --------------------------------------------------------------------------- analitis

Assignment = dict[str, dict[str, Any]]
Pred = Callable[[Assignment], bool]


@dataclass(frozen=True)
class Puzzle:
    difficulty: int
    stem: str
    people: tuple[str, ...]
    domains: dict[str, tuple[Any, ...]]  # attribute -> values, one per person
    rules: tuple[Pred, ...]
    answer: tuple[str, Pred]
    distractors: tuple[tuple[str, Pred], ...]


def _circ_next(a: Assignment, x: str, y: str, n: int = 6) -> bool:
    return (a["pos"][x] - a["pos"][y]) % n in (1, n - 1)


def _floor(room: int) -> int:
    return 1 if room <= 3 else 2


ANALITIS: list[Puzzle] = [
    Puzzle(
        1,
        "Lima pegawai, yaitu Ani, Budi, Citra, Dodi, dan Eka, mengantre di sebuah loket.\n"
        "- Citra berada paling depan.\n"
        "- Eka berada paling belakang.\n"
        "- Budi berada tepat di belakang Ani.\n"
        "- Dodi berada di depan Ani.\n"
        "Siapakah yang berada pada urutan ketiga dari depan?",
        ("Ani", "Budi", "Citra", "Dodi", "Eka"),
        {"pos": (1, 2, 3, 4, 5)},
        (lambda a: a["pos"]["Citra"] == 1,
         lambda a: a["pos"]["Eka"] == 5,
         lambda a: a["pos"]["Budi"] == a["pos"]["Ani"] + 1,
         lambda a: a["pos"]["Dodi"] < a["pos"]["Ani"]),
        ("Ani", lambda a: a["pos"]["Ani"] == 3),
        (("Budi", lambda a: a["pos"]["Budi"] == 3),
         ("Citra", lambda a: a["pos"]["Citra"] == 3),
         ("Dodi", lambda a: a["pos"]["Dodi"] == 3),
         ("Eka", lambda a: a["pos"]["Eka"] == 3)),
    ),
    Puzzle(
        2,
        "Diketahui data tinggi badan lima orang sebagai berikut.\n"
        "- Fajar lebih tinggi daripada Gita.\n"
        "- Hana lebih pendek daripada Gita.\n"
        "- Indra lebih tinggi daripada Fajar.\n"
        "- Joko lebih pendek daripada Hana.\n"
        "Siapakah orang yang tertinggi kedua?",
        ("Fajar", "Gita", "Hana", "Indra", "Joko"),
        {"rank": (1, 2, 3, 4, 5)},  # 1 = tertinggi
        (lambda a: a["rank"]["Fajar"] < a["rank"]["Gita"],
         lambda a: a["rank"]["Hana"] > a["rank"]["Gita"],
         lambda a: a["rank"]["Indra"] < a["rank"]["Fajar"],
         lambda a: a["rank"]["Joko"] > a["rank"]["Hana"]),
        ("Fajar", lambda a: a["rank"]["Fajar"] == 2),
        (("Gita", lambda a: a["rank"]["Gita"] == 2),
         ("Hana", lambda a: a["rank"]["Hana"] == 2),
         ("Indra", lambda a: a["rank"]["Indra"] == 2),
         ("Joko", lambda a: a["rank"]["Joko"] == 2)),
    ),
    Puzzle(
        3,
        "Enam orang, yaitu Kiki, Lina, Made, Nia, Omar, dan Putu, duduk berjajar pada kursi "
        "bernomor 1 sampai 6 dari kiri ke kanan.\n"
        "- Putu duduk di kursi nomor 3.\n"
        "- Made duduk di salah satu kursi paling ujung.\n"
        "- Lina duduk tepat di sebelah kanan Kiki.\n"
        "- Nia dan Omar tidak duduk bersebelahan.\n"
        "- Omar duduk di sebelah kanan Putu (tidak harus bersebelahan).\n"
        "Jika Made duduk di kursi nomor 1, siapakah yang duduk di kursi nomor 2?",
        ("Kiki", "Lina", "Made", "Nia", "Omar", "Putu"),
        {"pos": (1, 2, 3, 4, 5, 6)},
        (lambda a: a["pos"]["Putu"] == 3,
         lambda a: a["pos"]["Made"] in (1, 6),
         lambda a: a["pos"]["Lina"] == a["pos"]["Kiki"] + 1,
         lambda a: abs(a["pos"]["Nia"] - a["pos"]["Omar"]) != 1,
         lambda a: a["pos"]["Omar"] > a["pos"]["Putu"],
         lambda a: a["pos"]["Made"] == 1),  # the condition in the question
        ("Nia", lambda a: a["pos"]["Nia"] == 2),
        (("Kiki", lambda a: a["pos"]["Kiki"] == 2),
         ("Lina", lambda a: a["pos"]["Lina"] == 2),
         ("Omar", lambda a: a["pos"]["Omar"] == 2),
         ("Putu", lambda a: a["pos"]["Putu"] == 2)),
    ),
    Puzzle(
        3,
        "Enam orang, yaitu Anton, Bella, Candra, Dewi, Erik, dan Fina, duduk mengelilingi "
        "sebuah meja bundar dengan jarak antarkursi yang sama.\n"
        "- Anton duduk berhadapan dengan Dewi.\n"
        "- Bella duduk bersebelahan dengan Anton.\n"
        "- Erik duduk berhadapan dengan Bella.\n"
        "- Candra tidak duduk bersebelahan dengan Dewi.\n"
        "Siapakah yang duduk berhadapan dengan Candra?",
        ("Anton", "Bella", "Candra", "Dewi", "Erik", "Fina"),
        {"pos": (0, 1, 2, 3, 4, 5)},
        (lambda a: a["pos"]["Anton"] == 0,  # fixes the rotation only; options are relative
         lambda a: (a["pos"]["Anton"] - a["pos"]["Dewi"]) % 6 == 3,
         lambda a: _circ_next(a, "Bella", "Anton"),
         lambda a: (a["pos"]["Erik"] - a["pos"]["Bella"]) % 6 == 3,
         lambda a: not _circ_next(a, "Candra", "Dewi")),
        ("Fina", lambda a: (a["pos"]["Fina"] - a["pos"]["Candra"]) % 6 == 3),
        (("Anton", lambda a: (a["pos"]["Anton"] - a["pos"]["Candra"]) % 6 == 3),
         ("Bella", lambda a: (a["pos"]["Bella"] - a["pos"]["Candra"]) % 6 == 3),
         ("Dewi", lambda a: (a["pos"]["Dewi"] - a["pos"]["Candra"]) % 6 == 3),
         ("Erik", lambda a: (a["pos"]["Erik"] - a["pos"]["Candra"]) % 6 == 3)),
    ),
    Puzzle(
        3,
        "Lima pelatihan, yaitu Komunikasi, Manajemen, Etika, Digital, dan Keuangan, "
        "dijadwalkan pada hari Senin sampai Jumat dalam satu minggu, satu pelatihan setiap "
        "hari.\n"
        "- Pelatihan Etika dilaksanakan pada hari Rabu.\n"
        "- Pelatihan Digital dilaksanakan sehari sebelum pelatihan Keuangan.\n"
        "- Pelatihan Komunikasi tidak dilaksanakan pada hari Senin.\n"
        "- Pelatihan Manajemen dilaksanakan setelah pelatihan Etika.\n"
        "Pelatihan yang pasti dilaksanakan pada hari Selasa adalah ...",
        ("Komunikasi", "Manajemen", "Etika", "Digital", "Keuangan"),
        {"day": (1, 2, 3, 4, 5)},  # 1 = Senin
        (lambda a: a["day"]["Etika"] == 3,
         lambda a: a["day"]["Keuangan"] == a["day"]["Digital"] + 1,
         lambda a: a["day"]["Komunikasi"] != 1,
         lambda a: a["day"]["Manajemen"] > a["day"]["Etika"]),
        ("Keuangan", lambda a: a["day"]["Keuangan"] == 2),
        (("Digital", lambda a: a["day"]["Digital"] == 2),
         ("Komunikasi", lambda a: a["day"]["Komunikasi"] == 2),
         ("Manajemen", lambda a: a["day"]["Manajemen"] == 2),
         ("Etika", lambda a: a["day"]["Etika"] == 2)),
    ),
    Puzzle(
        3,
        "Tiga pegawai, yaitu Rudi, Sinta, dan Tono, bekerja di tiga bagian yang berbeda "
        "(Keuangan, Humas, dan Kepegawaian) dan berasal dari tiga kota yang berbeda "
        "(Medan, Makassar, dan Malang).\n"
        "- Rudi tidak bekerja di bagian Humas.\n"
        "- Pegawai bagian Keuangan berasal dari Makassar.\n"
        "- Sinta bekerja di bagian Kepegawaian.\n"
        "- Sinta tidak berasal dari Malang.\n"
        "Pernyataan yang benar adalah ...",
        ("Rudi", "Sinta", "Tono"),
        {"unit": ("Keuangan", "Humas", "Kepegawaian"), "city": ("Medan", "Makassar", "Malang")},
        (lambda a: a["unit"]["Rudi"] != "Humas",
         lambda a: all(a["city"][p] == "Makassar" for p in a["unit"]
                       if a["unit"][p] == "Keuangan"),
         lambda a: a["unit"]["Sinta"] == "Kepegawaian",
         lambda a: a["city"]["Sinta"] != "Malang"),
        ("Tono bekerja di bagian Humas dan berasal dari Malang.",
         lambda a: a["unit"]["Tono"] == "Humas" and a["city"]["Tono"] == "Malang"),
        (("Rudi bekerja di bagian Keuangan dan berasal dari Medan.",
          lambda a: a["unit"]["Rudi"] == "Keuangan" and a["city"]["Rudi"] == "Medan"),
         ("Sinta bekerja di bagian Kepegawaian dan berasal dari Makassar.",
          lambda a: a["unit"]["Sinta"] == "Kepegawaian" and a["city"]["Sinta"] == "Makassar"),
         ("Tono bekerja di bagian Keuangan dan berasal dari Medan.",
          lambda a: a["unit"]["Tono"] == "Keuangan" and a["city"]["Tono"] == "Medan"),
         ("Rudi bekerja di bagian Humas dan berasal dari Makassar.",
          lambda a: a["unit"]["Rudi"] == "Humas" and a["city"]["Rudi"] == "Makassar")),
    ),
    Puzzle(
        4,
        "Tujuh peserta, yaitu Ayu, Bagus, Cici, Dimas, Evi, Farhan, dan Gilang, tampil "
        "bergiliran dalam sebuah lomba pidato, masing-masing satu kali.\n"
        "- Dimas tampil pada urutan keempat.\n"
        "- Ayu tampil sebelum Bagus dan di antara keduanya terdapat tepat dua peserta.\n"
        "- Cici tampil tepat setelah Evi.\n"
        "- Farhan tidak tampil pertama maupun terakhir.\n"
        "- Gilang tampil setelah Cici.\n"
        "Pernyataan berikut yang pasti benar adalah ...",
        ("Ayu", "Bagus", "Cici", "Dimas", "Evi", "Farhan", "Gilang"),
        {"pos": (1, 2, 3, 4, 5, 6, 7)},
        (lambda a: a["pos"]["Dimas"] == 4,
         lambda a: a["pos"]["Bagus"] == a["pos"]["Ayu"] + 3,
         lambda a: a["pos"]["Cici"] == a["pos"]["Evi"] + 1,
         lambda a: a["pos"]["Farhan"] not in (1, 7),
         lambda a: a["pos"]["Gilang"] > a["pos"]["Cici"]),
        ("Gilang tampil paling akhir.", lambda a: a["pos"]["Gilang"] == 7),
        (("Farhan tampil tepat sebelum Dimas.",
          lambda a: a["pos"]["Farhan"] == a["pos"]["Dimas"] - 1),
         ("Evi tampil pada urutan kedua.", lambda a: a["pos"]["Evi"] == 2),
         ("Bagus tampil pada urutan kelima.", lambda a: a["pos"]["Bagus"] == 5),
         ("Cici tampil setelah Ayu.", lambda a: a["pos"]["Cici"] > a["pos"]["Ayu"])),
    ),
    Puzzle(
        5,
        "Enam pegawai, yaitu Arif, Bima, Cahya, Dani, Elsa, dan Fikri, masing-masing "
        "menempati satu dari enam ruang kerja bernomor 1 sampai 6 yang berjajar. Ruang 1-3 "
        "berada di lantai 1, sedangkan ruang 4-6 berada di lantai 2.\n"
        "- Arif dan Bima berada di lantai yang sama.\n"
        "- Nomor ruang Cahya lebih kecil daripada nomor ruang Dani.\n"
        "- Elsa menempati ruang nomor 2 atau nomor 5.\n"
        "- Fikri berada di lantai yang berbeda dengan Arif.\n"
        "- Nomor ruang Bima dan Elsa berurutan.\n"
        "Jika Dani menempati ruang nomor 3, pernyataan yang pasti benar adalah ...",
        ("Arif", "Bima", "Cahya", "Dani", "Elsa", "Fikri"),
        {"room": (1, 2, 3, 4, 5, 6)},
        (lambda a: _floor(a["room"]["Arif"]) == _floor(a["room"]["Bima"]),
         lambda a: a["room"]["Cahya"] < a["room"]["Dani"],
         lambda a: a["room"]["Elsa"] in (2, 5),
         lambda a: _floor(a["room"]["Fikri"]) != _floor(a["room"]["Arif"]),
         lambda a: abs(a["room"]["Bima"] - a["room"]["Elsa"]) == 1,
         lambda a: a["room"]["Dani"] == 3),  # the condition in the question
        ("Elsa menempati ruang nomor 5.", lambda a: a["room"]["Elsa"] == 5),
        (("Cahya menempati ruang nomor 1.", lambda a: a["room"]["Cahya"] == 1),
         ("Arif menempati ruang nomor 4.", lambda a: a["room"]["Arif"] == 4),
         ("Fikri menempati ruang nomor 2.", lambda a: a["room"]["Fikri"] == 2),
         ("Bima berada di lantai 1.", lambda a: _floor(a["room"]["Bima"]) == 1)),
    ),
]


def puzzle_solutions(puzzle: Puzzle) -> list[Assignment]:
    attrs = list(puzzle.domains)
    perms = [list(itertools.permutations(puzzle.domains[attr])) for attr in attrs]
    solutions = []
    for combo in itertools.product(*perms):
        assignment = {attr: dict(zip(puzzle.people, values, strict=True))
                      for attr, values in zip(attrs, combo, strict=True)}
        if all(rule(assignment) for rule in puzzle.rules):
            solutions.append(assignment)
    return solutions


def analitis_raw(puzzle: Puzzle) -> Raw:
    """Key must hold in every arrangement; every distractor must fail in at least one."""
    solutions = puzzle_solutions(puzzle)
    if not solutions:
        raise ValueError(f"puzzle has no solution: {puzzle.stem[:40]}")
    if not all(puzzle.answer[1](s) for s in solutions):
        raise ValueError(f"key not forced: {puzzle.answer[0]}")
    for text, pred in puzzle.distractors:
        if all(pred(s) for s in solutions):
            raise ValueError(f"distractor is also forced: {text}")
    return puzzle.stem, puzzle.answer[0], [text for text, _ in puzzle.distractors]


# --------------------------------------------------------------------------- deret

def _deret_stem(terms: Sequence[int]) -> str:
    return ("Bilangan yang tepat untuk melanjutkan deret berikut adalah ...\n"
            + ", ".join(str(t) for t in terms) + ", ...")


def _deret(terms: list[int], answer: int, mistakes: list[int], rng: random.Random) -> Raw:
    return _deret_stem(terms), str(answer), near_misses(
        Fraction(answer), mistakes, lambda x: str(x.numerator), [1, 2], rng, positive=False,
        integral=True)


def deret_arithmetic(rng: random.Random, decreasing: bool) -> Raw:
    d = rng.randint(3, 9)
    a = rng.randint(60, 95) if decreasing else rng.randint(2, 15)
    step = -d if decreasing else d
    terms = [a + i * step for i in range(5)]
    answer = a + 5 * step
    return _deret(terms, answer, [answer + step, answer - 1, answer + 1, answer + 2 * step], rng)


def deret_geometric(rng: random.Random, decreasing: bool) -> Raw:
    r = rng.choice([2, 3])
    if decreasing:
        r = rng.choice([2, 3, 4])
        last = rng.randint(2, 5)
        terms = [last * r ** k for k in range(5, 0, -1)]
        answer = last
        mistakes = [last * 2, last + r, last + 1, last * r - 1]
    else:
        a = rng.randint(2, 5)
        terms = [a * r ** k for k in range(5)]
        answer = a * r ** 5
        mistakes = [terms[-1] + (terms[-1] - terms[-2]), terms[-1] * (r + 1), answer + a,
                    answer - a]
    return _deret(terms, answer, mistakes, rng)


def deret_alternating(rng: random.Random, variant: int) -> Raw:
    a1, d1 = rng.randint(2, 12), rng.randint(2, 6)
    if variant == 0:
        a2, d2 = rng.randint(20, 40), rng.randint(3, 7)
    else:
        a2, d2 = rng.randint(60, 90), -rng.randint(3, 7)
    s1 = [a1 + i * d1 for i in range(5)]
    s2 = [a2 + i * d2 for i in range(5)]
    terms = [s1[0], s2[0], s1[1], s2[1], s1[2], s2[2], s1[3], s2[3]]
    answer = s1[4]
    mistakes = [s2[4], terms[-1] + (terms[-1] - terms[-2]), answer + d1, answer - 1]
    return _deret(terms, answer, mistakes, rng)


def deret_second_difference(rng: random.Random, variant: int) -> Raw:
    a = rng.randint(1, 10)
    d0 = rng.randint(1, 4)
    s = rng.randint(2, 3) if variant == 0 else rng.randint(3, 5)
    terms = [a]
    for i in range(5):
        terms.append(terms[-1] + d0 + i * s)
    answer = terms[-1] + d0 + 5 * s
    last_diff = terms[-1] - terms[-2]
    mistakes = [terms[-1] + last_diff, answer + s, answer - 1, answer + 1]
    return _deret(terms, answer, mistakes, rng)


def deret_fibonacci(rng: random.Random, variant: int) -> Raw:
    t0 = rng.randint(1, 4)
    t1 = t0 + rng.randint(1, 3) if variant == 0 else rng.randint(1, 3)
    terms = [t0, t1]
    while len(terms) < 7:
        terms.append(terms[-1] + terms[-2])
    answer = terms[-1] + terms[-2]
    mistakes = [terms[-1] + (terms[-1] - terms[-2]), terms[-1] * 2, answer + 1, answer - 1]
    return _deret(terms, answer, mistakes, rng)


def deret_geometric_differences(rng: random.Random) -> Raw:
    a, d, r = rng.randint(1, 9), rng.randint(1, 3), rng.choice([2, 3])
    terms = [a]
    for i in range(5 if r == 2 else 4):
        terms.append(terms[-1] + d * r ** i)
    answer = terms[-1] + d * r ** (len(terms) - 1)
    last_diff = terms[-1] - terms[-2]
    mistakes = [terms[-1] + last_diff, terms[-1] * r, terms[-1] + 2 * last_diff, answer + 1]
    return _deret(terms, answer, mistakes, rng)


def deret_tribonacci(rng: random.Random) -> Raw:
    terms = [rng.randint(1, 3), rng.randint(1, 3), rng.randint(2, 5)]
    while len(terms) < 7:
        terms.append(terms[-1] + terms[-2] + terms[-3])
    answer = terms[-1] + terms[-2] + terms[-3]
    mistakes = [terms[-1] + terms[-2], terms[-1] + (terms[-1] - terms[-2]), answer + 1, answer - 2]
    return _deret(terms, answer, mistakes, rng)


DERET_FAMILIES: list[Callable[[random.Random], Raw]] = [
    lambda rng: deret_arithmetic(rng, decreasing=False),
    lambda rng: deret_arithmetic(rng, decreasing=True),
    lambda rng: deret_geometric(rng, decreasing=False),
    lambda rng: deret_geometric(rng, decreasing=True),
    lambda rng: deret_alternating(rng, 0),
    lambda rng: deret_second_difference(rng, 0),
    lambda rng: deret_fibonacci(rng, 0),
    lambda rng: deret_alternating(rng, 1),
    lambda rng: deret_second_difference(rng, 1),
    lambda rng: deret_fibonacci(rng, 1),
    deret_geometric_differences,
    deret_tribonacci,
]


# --------------------------------------------------------------------------- berhitung

def _hit_stem(expr: str) -> str:
    return f"Hasil dari {expr} adalah ..."


def hit_order_of_operations(rng: random.Random) -> Raw:
    a, b, c, d = rng.randint(10, 50), rng.randint(3, 9), rng.randint(4, 12), rng.randint(2, 20)
    answer = a + b * c - d
    mistakes = [(a + b) * c - d, a + b * c + d, answer + 10, answer - 1]
    return (_hit_stem(f"{a} + {b} × {c} − {d}"), fmt_int(answer),
            near_misses(Fraction(answer), mistakes, fmt_frac, [1, 2], rng))


def hit_percent(rng: random.Random) -> Raw:
    p = rng.choice([15, 20, 25, 35, 40, 75])
    n = rng.choice([k for k in range(120, 801, 20) if k * p % 100 == 0])
    answer = Fraction(p * n, 100)
    mistakes = [Fraction((100 - p) * n, 100), answer + 5, answer - 5, answer + 10]
    return (_hit_stem(f"{p}% × {n}"), fmt_frac(answer),
            near_misses(answer, mistakes, fmt_frac, [1, 2], rng))


def hit_fraction_sum(rng: random.Random) -> Raw:
    while True:
        b, d = rng.sample([3, 4, 5, 6, 7, 8, 9], 2)
        a, c = rng.randint(1, b - 1), rng.randint(1, d - 1)
        if math.gcd(a, b) == 1 and math.gcd(c, d) == 1:
            break
    answer = Fraction(a, b) + Fraction(c, d)
    mistakes = [Fraction(a + c, b + d), Fraction(a * c, b * d),
                Fraction(answer.numerator + 1, answer.denominator),
                Fraction(answer.numerator - 1, answer.denominator), Fraction(a + c, b * d)]
    return (_hit_stem(f"{a}/{b} + {c}/{d}"), fmt_frac(answer),
            near_misses(answer, mistakes, fmt_frac, [Fraction(1, answer.denominator)], rng))


def hit_roots(rng: random.Random) -> Raw:
    m, n, k = rng.sample(range(6, 19), 3)
    answer = m + n - k
    mistakes = [m + n + k, m - n + k, answer + 2, answer - 1]
    return (_hit_stem(f"√{m * m} + √{n * n} − √{k * k}"), fmt_int(answer),
            near_misses(Fraction(answer), mistakes, fmt_frac, [1, 2], rng, positive=False))


def hit_percent_of_percent(rng: random.Random) -> Raw:
    while True:
        p, q = rng.sample([10, 20, 25, 40, 50, 60, 75, 80], 2)
        n = rng.choice(range(400, 4001, 200))
        if (p * q * n) % 10000 == 0:
            break
    answer = Fraction(p * q * n, 10000)
    mistakes = [Fraction((p + q) * n, 100), Fraction(abs(p - q) * n, 100), answer * 10,
                answer + 10]
    return (_hit_stem(f"{p}% dari {q}% dari {fmt_int(n)}"), fmt_frac(answer),
            near_misses(answer, mistakes, fmt_frac, [2, 5], rng))


def hit_fraction_division(rng: random.Random) -> Raw:
    a, b = rng.choice([(3, 4), (2, 3), (5, 6), (4, 5), (3, 8)])
    c, d = rng.choice([(1, 2), (1, 3), (2, 5), (3, 4)])
    e, f = rng.choice([(e, f) for e, f in [(1, 6), (1, 4), (1, 3), (1, 2)]
                       if Fraction(e, f) != Fraction(c, d)])
    answer = Fraction(a, b) / Fraction(c, d) - Fraction(e, f)
    mistakes = [Fraction(a, b) * Fraction(c, d) - Fraction(e, f),
                Fraction(a, b) / (Fraction(c, d) - Fraction(e, f)),
                Fraction(a, b) / Fraction(c, d) + Fraction(e, f),
                Fraction(b, a) * Fraction(c, d) - Fraction(e, f)]
    return (_hit_stem(f"{a}/{b} : {c}/{d} − {e}/{f}"), fmt_frac(answer),
            near_misses(answer, mistakes, fmt_frac, [Fraction(1, answer.denominator)], rng,
                        positive=False))


def hit_decimal_mix(rng: random.Random) -> Raw:
    x = Fraction(rng.choice([25, 50, 75, 125, 150, 250]), 100)
    y = Fraction(rng.choice([4, 8, 12, 16, 24]), 10)
    w = Fraction(rng.choice([2, 3, 4, 5, 6, 8]), 10)
    k = rng.randint(3, 9)
    z = w * k
    answer = x * y + z / w
    mistakes = [(x * y + z) / w, x * y + z * w, answer + Fraction(1, 2), answer * 10]
    return (_hit_stem(f"{fmt_dec(x)} × {fmt_dec(y)} + {fmt_dec(z)} : {fmt_dec(w)}"),
            fmt_dec(answer),
            near_misses(answer, mistakes, fmt_dec, [Fraction(1, 10), Fraction(1, 2)], rng))


def hit_root_square(rng: random.Random) -> Raw:
    r, m = rng.randint(12, 25), rng.randint(5, 9)
    k, j = rng.randint(3, 7), rng.randint(4, 9)
    answer = r + m * m - k * j
    mistakes = [(r + m * m - k) * j, r + 2 * m - k * j, answer + 1, answer - 2]
    return (_hit_stem(f"√{r * r} + {m}² − {k} × {j}"), fmt_int(answer),
            near_misses(Fraction(answer), mistakes, fmt_frac, [1, 2], rng, positive=False))


def hit_fraction_of_numbers(rng: random.Random) -> Raw:
    a, b = rng.choice([(3, 4), (2, 3), (3, 5), (5, 6), (4, 7)])
    c, d = rng.choice([(2, 5), (1, 6), (3, 8), (2, 9)])
    n = b * rng.randint(6, 15)
    m = d * rng.randint(4, 12)
    answer = Fraction(a, b) * n - Fraction(c, d) * m
    mistakes = [Fraction(a, b) * n + Fraction(c, d) * m, Fraction(b, a) * n - Fraction(c, d) * m,
                answer + 2, answer - 3]
    return (_hit_stem(f"{a}/{b} × {n} − {c}/{d} × {m}"), fmt_frac(answer),
            near_misses(answer, mistakes, fmt_frac, [1, 2], rng, positive=False, integral=True))


def hit_mixed_numbers(rng: random.Random) -> Raw:
    w1, w2, w3 = rng.randint(2, 4), rng.randint(1, 3), rng.randint(1, 2)
    f1, f2, f3 = Fraction(1, 2), Fraction(rng.choice([1, 3]), 4), Fraction(rng.choice([1, 2]), 3)
    x1, x2, x3 = w1 + f1, w2 + f2, w3 + f3
    answer = x1 + x2 - x3
    mistakes = [Fraction(w1 + w2 - w3) + f1 + f2 + f3, x1 + x2 + x3,
                Fraction(w1 + w2 - w3) + (f1 + f2 - f3) + 1, answer + Fraction(1, 12)]
    return (_hit_stem(f"{fmt_mixed(x1)} + {fmt_mixed(x2)} − {fmt_mixed(x3)}"), fmt_mixed(answer),
            near_misses(answer, mistakes, fmt_mixed, [Fraction(1, 12), 1], rng))


def hit_decimal_roots(rng: random.Random) -> Raw:
    a, b = rng.sample([11, 12, 13, 14, 15, 16, 17, 18, 19], 2)
    c = rng.randint(2, 9)
    ra, rb, rc = Fraction(a, 100), Fraction(b, 100), Fraction(c, 10)
    answer = ra + rb + rc
    mistakes = [ra + rb + rc / 10, ra / 10 + rb / 10 + rc, ra / 10 + rb + rc,
                answer + Fraction(1, 100)]
    expr = f"√{fmt_dec(ra * ra)} + √{fmt_dec(rb * rb)} + √{fmt_dec(rc * rc)}"
    return (_hit_stem(expr), fmt_dec(answer),
            near_misses(answer, mistakes, fmt_dec, [Fraction(1, 100), Fraction(1, 10)], rng))


def hit_telescoping(rng: random.Random) -> Raw:
    n = rng.choice([9, 11, 14, 19, 24, 49])
    if rng.random() < 0.5:
        expr = f"1/(1 × 2) + 1/(2 × 3) + 1/(3 × 4) + ... + 1/({n} × {n + 1})"
        answer = Fraction(n, n + 1)
        mistakes = [Fraction(n - 1, n), Fraction(n + 1, n + 2), Fraction(1, n + 1),
                    Fraction(n, n + 2)]
    else:
        expr = (f"1/(1 × 3) + 1/(3 × 5) + 1/(5 × 7) + ... + "
                f"1/({2 * n - 1} × {2 * n + 1})")
        answer = Fraction(n, 2 * n + 1)
        mistakes = [Fraction(2 * n, 2 * n + 1), Fraction(n - 1, 2 * n - 1),
                    Fraction(n + 1, 2 * n + 1), Fraction(n, 2 * n + 3)]
    return (_hit_stem(expr), fmt_frac(answer),
            near_misses(answer, mistakes, fmt_frac, [Fraction(1, answer.denominator)], rng))


BERHITUNG_FAMILIES: list[Callable[[random.Random], Raw]] = [
    hit_order_of_operations, hit_percent,                                  # 1, 1
    hit_fraction_sum, hit_roots,                                           # 2, 2
    hit_percent_of_percent, hit_fraction_division, hit_decimal_mix,        # 3 ...
    hit_root_square, hit_fraction_of_numbers, hit_mixed_numbers,
    hit_decimal_roots, hit_telescoping,                                    # 4, 5
]


# --------------------------------------------------------------------------- perbandingan

PK_GREATER, PK_LESS, PK_EQUAL = "P > Q", "P < Q", "P = Q"
PK_UNKNOWN = "Hubungan P dan Q tidak dapat ditentukan"
PK_EXTRA: list[tuple[str, Callable[[Fraction, Fraction], bool]]] = [
    ("P = 2Q", lambda p, q: p == 2 * q),
    ("2P = Q", lambda p, q: 2 * p == q),
    ("P + Q = 0", lambda p, q: p + q == 0),
]


def pk_raw(context: str, p_text: str, q_text: str,
           scenarios: list[tuple[Fraction, Fraction]], rng: random.Random) -> Raw:
    """Key from every admissible (P, Q); the fifth option is false in all of them."""
    if all(p > q for p, q in scenarios):
        answer = PK_GREATER
    elif all(p < q for p, q in scenarios):
        answer = PK_LESS
    elif all(p == q for p, q in scenarios):
        answer = PK_EQUAL
    else:
        answer = PK_UNKNOWN
    extras = PK_EXTRA[:2]
    rng.shuffle(extras)
    extras += PK_EXTRA[2:]  # "P + Q = 0" only as a fallback
    extra = next(text for text, holds in extras if not any(holds(p, q) for p, q in scenarios))
    canonical = [PK_GREATER, PK_LESS, PK_EQUAL, extra, PK_UNKNOWN]
    stem = (f"{context}\nP = {p_text}\nQ = {q_text}\n".lstrip("\n")
            + "Hubungan yang tepat antara kuantitas P dan Q adalah ...")
    return stem, answer, [c for c in canonical if c != answer]


def pk_fraction_decimal(rng: random.Random) -> Raw:
    a, b = rng.choice([(3, 4), (2, 5), (5, 8), (7, 20), (3, 8), (4, 5)])
    p = Fraction(a, b)
    q = p + Fraction(rng.choice([-5, -1, 0, 1, 5]), 100)
    return pk_raw("", f"{a}/{b}", fmt_dec(q), [(p, q)], rng)


def pk_percent_swap(rng: random.Random) -> Raw:
    a, b = rng.sample([12, 16, 24, 35, 45, 64, 72, 85], 2)
    p, q = Fraction(a * b, 100), Fraction(b * a, 100)
    return pk_raw("", f"{a}% dari {b}", f"{b}% dari {a}", [(p, q)], rng)


_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def pk_powers(rng: random.Random) -> Raw:
    a, b = rng.choice([(2, 5), (3, 4), (2, 4), (3, 5), (2, 3), (2, 6)])
    return pk_raw("", f"{a}{str(b).translate(_SUPERSCRIPT)}",
                  f"{b}{str(a).translate(_SUPERSCRIPT)}",
                  [(Fraction(a ** b), Fraction(b ** a))], rng)


def pk_square_roots_of_equation(rng: random.Random) -> Raw:
    k = rng.randint(4, 12)
    q = rng.choice([k - 2, 2 - k, k + 1, -k - 1, 0])
    context = f"Diketahui x² = {k * k}."
    return pk_raw(context, "x", str(q), [(Fraction(k), Fraction(q)), (Fraction(-k), Fraction(q))],
                  rng)


def pk_roots_sum(rng: random.Random) -> Raw:
    a, b, c = rng.choice([(3, 4, 5), (6, 8, 10), (5, 12, 13), (8, 15, 17), (9, 12, 15)])
    if rng.random() < 0.5:
        return pk_raw("", f"√{a * a} + √{b * b}", f"√{a * a + b * b}",
                      [(Fraction(a + b), Fraction(c))], rng)
    return pk_raw("", f"√{a * a} × √{b * b}", f"√{a * a * b * b}",
                  [(Fraction(a * b), Fraction(a * b))], rng)


def pk_mean_median(rng: random.Random) -> Raw:
    while True:
        data = sorted(rng.sample(range(2, 20), 5))
        mean = Fraction(sum(data), len(data))
        if mean.denominator == 1:
            break
    shown = data[:]
    rng.shuffle(shown)
    context = f"Diketahui data: {', '.join(map(str, shown))}."
    return pk_raw(context, "rata-rata data tersebut", "median data tersebut",
                  [(mean, Fraction(data[2]))], rng)


def pk_circle_square(rng: random.Random) -> Raw:
    r = rng.choice([7, 14, 21])
    area = Fraction(22, 7) * r * r
    s = rng.choice([math.isqrt(int(area)), math.isqrt(int(area)) + 1])
    context = "Gunakan π = 22/7."
    return pk_raw(context, f"luas lingkaran berjari-jari {r} cm (dalam cm²)",
                  f"luas persegi bersisi {s} cm (dalam cm²)", [(area, Fraction(s * s))], rng)


def pk_successive_discount(rng: random.Random) -> Raw:
    a, b = rng.choice([(20, 10), (20, 20), (30, 10), (10, 10), (25, 20)])
    combined = a + b - a * b // 100
    single = rng.choice([a + b, combined, combined - 1])
    price = rng.choice([200_000, 400_000, 500_000, 800_000])
    p = price * Fraction(100 - a, 100) * Fraction(100 - b, 100)
    q = price * Fraction(100 - single, 100)
    context = f"Harga awal sebuah barang adalah {fmt_rp(price)}."
    return pk_raw(context, f"harga barang setelah diskon {a}% kemudian diskon lagi {b}%",
                  f"harga barang setelah diskon {single}%", [(p, q)], rng)


def pk_integer_constraints(rng: random.Random) -> Raw:
    while True:
        total, gap, k = rng.randint(10, 16), rng.randint(1, 4), rng.choice([2, 3])
        pairs = [(x, total - x) for x in range(1, total) if x - (total - x) > gap]
        if pairs:
            break
    context = (f"x dan y adalah bilangan bulat positif dengan x + y = {total} "
               f"dan x − y > {gap}.")
    return pk_raw(context, "x", f"{k}y", [(Fraction(x), Fraction(k * y)) for x, y in pairs], rng)


PERBANDINGAN_FAMILIES: list[Callable[[random.Random], Raw]] = [
    pk_fraction_decimal,                                                  # 1
    pk_percent_swap, pk_powers,                                           # 2, 2
    pk_square_roots_of_equation, pk_roots_sum, pk_mean_median, pk_circle_square,  # 3
    pk_successive_discount, pk_integer_constraints,                      # 4, 5
]


# --------------------------------------------------------------------------- soal cerita

def _hm(hours: Fraction) -> str:
    minutes = hours * 60
    if minutes.denominator != 1:
        raise ValueError("duration is not a whole number of minutes")
    h, m = divmod(int(minutes), 60)
    if m == 0:
        return f"{h} jam"
    return f"{h} jam {m} menit" if h else f"{m} menit"


def sc_distance(rng: random.Random) -> Raw:
    while True:
        v = rng.choice([40, 48, 50, 60, 64, 72, 80])
        h, m = rng.choice([(1, 30), (2, 0), (2, 30), (3, 0), (3, 30), (2, 15)])
        t = h + Fraction(m, 60)
        answer = v * t
        if answer.denominator == 1:
            break
    mistakes = [v * (h + Fraction(m, 100)), Fraction(v * h), answer + v // 2, answer - 10]
    stem = (f"Sebuah mobil melaju dengan kecepatan rata-rata {v} km/jam selama {_hm(t)}. "
            "Jarak yang ditempuh mobil tersebut adalah ...")
    fmt = lambda x: f"{fmt_dec(x)} km"  # noqa: E731
    return stem, fmt(answer), near_misses(answer, mistakes, fmt, [5, 10], rng)


def sc_discount(rng: random.Random) -> Raw:
    while True:
        price = rng.choice(range(120_000, 500_001, 15_000))
        p = rng.choice([10, 15, 20, 25, 30, 35])
        if price * p % 100 == 0 and (price * p // 100) % 500 == 0:
            break
    answer = Fraction(price * (100 - p), 100)
    mistakes = [Fraction(price * p, 100), Fraction(price - p * 1000),
                Fraction(price * (95 - p), 100), answer + 5000]
    stem = (f"Harga sebuah tas adalah {fmt_rp(price)}. Toko memberikan diskon {p}%. "
            "Harga yang harus dibayar untuk tas tersebut adalah ...")
    return stem, fmt_rp(answer), near_misses(answer, mistakes, fmt_rp, [5000, 2500], rng,
                                             integral=True)


def sc_age_sum(rng: random.Random) -> Raw:
    child, k = rng.randint(8, 15), rng.choice([3, 4])
    father, total = k * child, child * (k + 1)
    mistakes = [Fraction(total, 2), Fraction(father + k), Fraction(father - k),
                Fraction(total * k, k + 2)]
    stem = (f"Umur ayah sekarang {k} kali umur anaknya. Jumlah umur mereka sekarang "
            f"{total} tahun. Umur ayah sekarang adalah ...")
    fmt = lambda x: f"{fmt_frac(x)} tahun"  # noqa: E731
    return stem, fmt(Fraction(father)), near_misses(Fraction(father), mistakes, fmt, [1, 2], rng,
                                                    integral=True)


def sc_work_together(rng: random.Random) -> Raw:
    a, b = rng.choice([(6, 3), (12, 6), (10, 15), (20, 30), (12, 4), (18, 9), (24, 12), (15, 10)])
    answer = Fraction(a * b, a + b)
    mistakes = [Fraction(a + b, 2), Fraction(abs(a - b)), answer + 1, answer - 1]
    stem = (f"Pak Ali dapat menyelesaikan pengecatan sebuah ruangan dalam {a} hari, "
            f"sedangkan Pak Budi dapat menyelesaikannya dalam {b} hari. Jika mereka bekerja "
            "bersama-sama, pengecatan ruangan itu selesai dalam ...")
    fmt = lambda x: f"{fmt_frac(x)} hari"  # noqa: E731
    return stem, fmt(answer), near_misses(answer, mistakes, fmt, [1, 2], rng, integral=True)


def sc_meeting_time(rng: random.Random) -> Raw:
    v1, v2 = rng.choice([(40, 60), (45, 55), (50, 70), (35, 45), (60, 80)])
    t = Fraction(rng.choice([90, 105, 120, 135, 150]), 60)
    distance = t * (v1 + v2)
    start_h, start_m = rng.choice([(6, 30), (7, 0), (7, 30), (8, 0)])

    def clock(hours: Fraction) -> str:
        total = start_h * 60 + start_m + hours * 60
        if Fraction(total).denominator != 1:
            raise ValueError("non-integer minutes")
        h, m = divmod(int(total), 60)
        return f"pukul {h:02d}.{m:02d}"

    answer = t
    whole = Fraction(int(t))
    mistakes = [whole + Fraction(int(round((t - whole) * 100)), 60), t + Fraction(1, 4),
                t - Fraction(1, 4), t + Fraction(1, 2)]
    stem = (f"Jarak kota A dan kota B adalah {fmt_frac(distance)} km. Pada "
            f"pukul {start_h:02d}.{start_m:02d} Dina berangkat dari kota A menuju kota B dengan "
            f"kecepatan rata-rata {v1} km/jam. Pada saat yang sama Eko berangkat dari kota B "
            f"menuju kota A melalui jalan yang sama dengan kecepatan rata-rata {v2} km/jam. "
            "Mereka akan berpapasan pada ...")
    if distance.denominator != 1:
        raise ValueError("non-integer distance")
    return stem, clock(answer), near_misses(answer, mistakes, clock, [Fraction(1, 4)], rng)


def sc_age_ratio(rng: random.Random) -> Raw:
    while True:
        sari, n = rng.randint(10, 18), rng.randint(3, 6)
        k, m = rng.choice([2, 3]), rng.randint(2, 8)
        rani = k * (sari - n) + n
        ratio = Fraction(rani + m, sari + m)
        if sari - n <= 0 or ratio.denominator == 1 or ratio.numerator > 15:
            continue
        solutions = [(r, s) for s in range(n + 1, 100) for r in range(n + 1, 200)
                     if r - n == k * (s - n) and Fraction(r + m, s + m) == ratio]
        if solutions == [(rani, sari)]:
            break
    times = {2: "dua", 3: "tiga"}[k]
    words = {2: "Dua", 3: "Tiga", 4: "Empat", 5: "Lima", 6: "Enam", 7: "Tujuh", 8: "Delapan"}
    mistakes = [Fraction(sari), Fraction(rani + n), Fraction(rani - n), Fraction(rani + m)]
    stem = (f"{words[n]} tahun yang lalu, umur Rani {times} kali umur Sari. {words[m]} tahun "
            "yang akan "
            f"datang, perbandingan umur Rani dan Sari menjadi {ratio.numerator} : "
            f"{ratio.denominator}. Umur Rani sekarang adalah ...")
    fmt = lambda x: f"{fmt_frac(x)} tahun"  # noqa: E731
    return stem, fmt(Fraction(rani)), near_misses(Fraction(rani), mistakes, fmt, [1, 2], rng,
                                                  integral=True)


def sc_discount_tax(rng: random.Random) -> Raw:
    while True:
        price = rng.choice(range(1_000_000, 4_000_001, 250_000))
        p = rng.choice([10, 15, 20, 25])
        answer = price * Fraction(100 - p, 100) * Fraction(111, 100)
        if answer.denominator == 1 and answer % 1000 == 0:
            break
    mistakes = [price * Fraction(100 - p + 11, 100), price * Fraction(100 - p, 100),
                price * Fraction(100 - p, 100) + price * Fraction(11, 100), answer + 10_000]
    stem = (f"Harga sebuah printer adalah {fmt_rp(price)}. Toko memberikan diskon {p}%, "
            "kemudian harga setelah diskon dikenai PPN 11%. Jumlah yang harus dibayar "
            "pembeli adalah ...")
    return stem, fmt_rp(answer), near_misses(answer, mistakes, fmt_rp, [10_000, 5_000], rng,
                                             integral=True)


def sc_average_speed(rng: random.Random) -> Raw:
    v1, v2 = rng.choice([(60, 40), (30, 60), (45, 90), (60, 90), (20, 30), (40, 60)])
    answer = Fraction(2 * v1 * v2, v1 + v2)
    mistakes = [Fraction(v1 + v2, 2), Fraction(v1 * v2, v1 + v2), answer + 2, answer - 2]
    stem = (f"Sebuah sepeda motor menempuh perjalanan dari kota A ke kota B dengan kecepatan "
            f"rata-rata {v1} km/jam, lalu kembali ke kota A melalui jalan yang sama dengan "
            f"kecepatan rata-rata {v2} km/jam. Kecepatan rata-rata untuk seluruh perjalanan "
            "pergi-pulang tersebut adalah ...")
    fmt = lambda x: f"{fmt_frac(x)} km/jam"  # noqa: E731
    return stem, fmt(answer), near_misses(answer, mistakes, fmt, [1, 2], rng, integral=True)


def sc_work_leave(rng: random.Random) -> Raw:
    combos = []
    for a in range(8, 21):
        for b in range(a + 2, 31):
            for t in range(2, a):
                left = b - Fraction(t * b, a) - t  # days Beni still needs alone
                if left.denominator == 1 and left >= 2:
                    combos.append((a, b, t, int(left)))
    a, b, t, rest = rng.choice(combos)
    answer = Fraction(t + rest)
    mistakes = [Fraction(rest), Fraction(b - t), Fraction(a * b, a + b) + t, answer + 1]
    stem = (f"Andi dapat menyelesaikan sebuah pekerjaan dalam {a} hari, sedangkan Beni dapat "
            f"menyelesaikannya dalam {b} hari. Mereka mulai bekerja bersama-sama. Setelah "
            f"{t} hari, Andi berhenti dan sisa pekerjaan diselesaikan oleh Beni sendiri. "
            "Pekerjaan itu selesai seluruhnya dalam waktu ... (dihitung sejak awal)")
    fmt = lambda x: f"{fmt_mixed(x)} hari"  # noqa: E731
    return stem, fmt(answer), near_misses(answer, mistakes, fmt, [1, 2], rng, integral=True)


SOAL_CERITA_FAMILIES: list[Callable[[random.Random], Raw]] = [
    sc_distance,                                                          # 1
    sc_discount, sc_age_sum,                                              # 2, 2
    sc_work_together, sc_meeting_time, sc_age_ratio, sc_discount_tax,     # 3
    sc_average_speed, sc_work_leave,                                      # 4, 5
]


# --------------------------------------------------------------------------- figural

PANEL, GAP = 80, 10


@dataclass(frozen=True)
class Figure:
    """One panel: an arrow (degrees clockwise from up) and/or dots and/or a polygon."""
    arrow: int | None = None
    dots: int = 0
    sides: int = 0
    filled: bool = False


def _arrow_svg(angle: int, cx: float, cy: float, scale: float) -> str:
    top, tail, head, half = cy - 28 * scale, cy + 26 * scale, cy - 12 * scale, 11 * scale
    return (f'<g transform="rotate({angle % 360} {cx:g} {cy:g})">'
            f'<line x1="{cx:g}" y1="{tail:g}" x2="{cx:g}" y2="{head + 2:g}" stroke="#000" '
            f'stroke-width="{5 * scale:g}"/>'
            f'<polygon points="{cx:g},{top:g} {cx - half:g},{head:g} {cx + half:g},{head:g}" '
            'fill="#000"/></g>')


def _dots_svg(n: int, cx: float, cy: float, spacing: float, r: float, cols: int) -> str:
    rows = math.ceil(n / cols)
    parts = []
    for i in range(n):
        row, col = divmod(i, cols)
        in_row = min(cols, n - row * cols)
        x = cx + (col - (in_row - 1) / 2) * spacing
        y = cy + (row - (rows - 1) / 2) * spacing
        parts.append(f'<circle cx="{x:g}" cy="{y:g}" r="{r:g}" fill="#000"/>')
    return "".join(parts)


def _polygon_svg(sides: int, filled: bool, cx: float, cy: float, radius: float) -> str:
    points = []
    for i in range(sides):
        offset = math.pi / sides if sides % 2 == 0 else 0.0  # flat top for even counts
        ang = -math.pi / 2 + offset + 2 * math.pi * i / sides
        points.append(f"{cx + radius * math.cos(ang):.1f},{cy + radius * math.sin(ang):.1f}")
    fill = "#000" if filled else "none"
    return f'<polygon points="{" ".join(points)}" fill="{fill}" stroke="#000" stroke-width="3"/>'


def _figure_svg(fig: Figure | None) -> str:
    """Panel content in a PANEL x PANEL box at the origin; None draws a question mark."""
    c = PANEL / 2
    if fig is None:
        # drawn as a path so that it does not depend on installed fonts
        return ('<path d="M29 30 A11 11 0 1 1 46 39 Q40 43 40 51" fill="none" stroke="#000" '
                'stroke-width="5" stroke-linecap="round"/>'
                f'<circle cx="{c:g}" cy="61" r="3.5" fill="#000"/>')
    parts = []
    if fig.sides:
        parts.append(_polygon_svg(fig.sides, fig.filled, c, c, 28))
    if fig.arrow is not None and fig.dots:
        parts.append(_arrow_svg(fig.arrow, c, 30, 0.75))
        parts.append(_dots_svg(fig.dots, c, 66, 11, 3.5, 6))
    elif fig.arrow is not None:
        parts.append(_arrow_svg(fig.arrow, c, c, 1.0))
    elif fig.dots:
        cols = math.ceil(math.sqrt(fig.dots))
        parts.append(_dots_svg(fig.dots, c, c, 60 / max(cols, 4) + 2, 4.5, cols))
    return "".join(parts)


def panels_svg(figures: Sequence[Figure | None]) -> str:
    width = len(figures) * PANEL + (len(figures) + 1) * GAP
    height = PANEL + 2 * GAP
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}">',
             f'<rect width="{width}" height="{height}" fill="#fff"/>']
    for i, fig in enumerate(figures):
        x = GAP + i * (PANEL + GAP)
        parts.append(f'<g transform="translate({x} {GAP})">'
                     f'<rect x="0" y="0" width="{PANEL}" height="{PANEL}" fill="none" '
                     f'stroke="#666" stroke-width="1"/>{_figure_svg(fig)}</g>')
    parts.append("</svg>\n")
    return "".join(parts)


FigRaw = tuple[list[Figure], Figure, list[Figure]]  # series, answer, distractors


def fig_dots_plus_one(rng: random.Random) -> FigRaw:
    start = rng.randint(1, 2)
    series = [Figure(dots=start + i) for i in range(4)]
    n = start + 4
    return series, Figure(dots=n), [Figure(dots=k) for k in (n - 1, n + 1, n + 2, n - 2)]


def fig_polygon_sides(rng: random.Random) -> FigRaw:
    start = 3
    series = [Figure(sides=start + i) for i in range(3)]
    n = start + 3
    return series, Figure(sides=n), [Figure(sides=k) for k in (n - 1, n + 1, n + 2, n - 2)]


def fig_arrow_clockwise(rng: random.Random) -> FigRaw:
    start = rng.choice([0, 90, 180, 270])
    series = [Figure(arrow=start + 45 * i) for i in range(4)]
    ans = start + 180
    wrong = [ans - 45, ans + 45, ans + 90, ans - 90]
    return series, Figure(arrow=ans % 360), [Figure(arrow=a % 360) for a in wrong]


def fig_polygon_fill(rng: random.Random) -> FigRaw:
    series = [Figure(sides=3 + i, filled=(i % 2 == 0)) for i in range(4)]
    return (series, Figure(sides=7, filled=True),
            [Figure(sides=7, filled=False), Figure(sides=6, filled=True),
             Figure(sides=8, filled=True), Figure(sides=8, filled=False)])


def fig_dots_doubling(rng: random.Random) -> FigRaw:
    series = [Figure(dots=2 ** i) for i in range(4)]
    return series, Figure(dots=16), [Figure(dots=k) for k in (10, 12, 9, 15)]


def fig_arrow_and_dots(rng: random.Random) -> FigRaw:
    start = rng.choice([0, 90, 180, 270])
    series = [Figure(arrow=(start + 45 * i) % 360, dots=1 + i) for i in range(4)]
    ans_angle, n = (start + 180) % 360, 5
    wrong = [Figure(arrow=ans_angle, dots=n - 1), Figure(arrow=(ans_angle + 45) % 360, dots=n),
             Figure(arrow=(ans_angle - 45) % 360, dots=n),
             Figure(arrow=(ans_angle + 90) % 360, dots=n + 1)]
    return series, Figure(arrow=ans_angle, dots=n), wrong


FIGURAL_FAMILIES: list[Callable[[random.Random], FigRaw]] = [
    fig_dots_plus_one, fig_polygon_sides,                                 # 1, 2
    fig_arrow_clockwise, fig_polygon_fill, fig_dots_doubling,             # 3
    fig_arrow_and_dots,                                                   # 4
]

FIGURAL_STEM = ("Perhatikan rangkaian gambar pada soal. Gambar yang tepat untuk menggantikan "
                "tanda tanya (?) adalah ...")


# --------------------------------------------------------------------------- assembly

def base_item(topic: str, number: int, difficulty: int) -> dict[str, Any]:
    return {"id": f"{ID_PREFIX[topic]}-{number:03d}", "type": "single_choice",
            "section": SECTION, "topic": topic, "difficulty": difficulty}


def text_item(topic: str, number: int, difficulty: int, raw: Raw, letter: str,
              rng: random.Random, shuffle: bool = True) -> dict[str, Any]:
    stem, answer, distractors = raw
    texts = [answer] + distractors
    if len(set(texts)) != len(texts) or any(not t.strip() for t in texts):
        raise ValueError(f"{topic} #{number}: options not distinct: {texts}")
    item = base_item(topic, number, difficulty)
    item["stem"] = stem
    item["options"] = place_answer(answer, distractors, letter, rng if shuffle else None)
    item["answer"] = letter
    return item


def figural_item(number: int, difficulty: int, raw: FigRaw, letter: str,
                 rng: random.Random, images: dict[str, str]) -> dict[str, Any]:
    series, answer, distractors = raw
    panels = [answer] + distractors
    if len(set(panels)) != len(panels):
        raise ValueError(f"figural #{number}: option figures not distinct")
    base = f"tiu-fig-{number:03d}"
    item = base_item("figural", number, difficulty)
    item["stem"] = FIGURAL_STEM
    item["image"] = f"images/{base}.svg"
    images[f"{base}.svg"] = panels_svg(list(series) + [None])
    ordered = place_answer(answer, distractors, letter, rng)
    options: dict[str, Option] = {}
    for key, fig in ordered.items():
        name = f"{base}-{key.lower()}.svg"
        images[name] = panels_svg([fig])
        options[key] = {"text": f"Gambar {key}", "image": f"images/{name}"}
    if len({images[f"{base}-{k.lower()}.svg"] for k in KEYS}) != len(KEYS):
        raise ValueError(f"figural #{number}: option images not distinct")
    item["options"] = options
    item["answer"] = letter
    return item


def check_plan(topic: str, difficulties: list[int]) -> None:
    plan = difficulty_plan(TOPIC_COUNTS[topic])
    if sorted(difficulties) != plan:
        raise ValueError(f"{topic}: difficulties {sorted(difficulties)} != plan {plan}")


def build() -> tuple[list[dict[str, Any]], dict[str, str]]:
    letters = iter(letter_stream(random.Random(f"{SEED}:letters"), sum(TOPIC_COUNTS.values())))
    items: list[dict[str, Any]] = []
    images: dict[str, str] = {}

    def rng_for(topic: str) -> random.Random:
        return random.Random(f"{SEED}:{topic}")

    hand_written: list[tuple[str, list[tuple[int, Raw]]]] = [
        ("analogi", [(e["difficulty"], analogi_raw(e)) for e in ANALOGI]),
        ("silogisme", [(e["difficulty"], silogisme_raw(e)) for e in SILOGISME]),
        ("analitis", [(p.difficulty, analitis_raw(p)) for p in ANALITIS]),
    ]
    for topic, entries in hand_written:
        check_plan(topic, [d for d, _ in entries])
        rng = rng_for(topic)
        for number, (difficulty, raw) in enumerate(entries, start=1):
            items.append(text_item(topic, number, difficulty, raw, next(letters), rng))

    generated: list[tuple[str, list[Callable[[random.Random], Raw]], bool]] = [
        ("berhitung", BERHITUNG_FAMILIES, True),
        ("deret", DERET_FAMILIES, True),
        ("perbandingan", PERBANDINGAN_FAMILIES, False),  # keep the canonical option order
        ("soal_cerita", SOAL_CERITA_FAMILIES, True),
    ]
    for topic, families, shuffle in generated:
        plan = difficulty_plan(TOPIC_COUNTS[topic])
        if len(families) != len(plan):
            raise ValueError(f"{topic}: {len(families)} families for {len(plan)} items")
        rng = rng_for(topic)
        for number, (difficulty, family) in enumerate(zip(plan, families, strict=True), start=1):
            items.append(text_item(topic, number, difficulty, family(rng), next(letters), rng,
                                   shuffle))

    plan = difficulty_plan(TOPIC_COUNTS["figural"])
    if len(FIGURAL_FAMILIES) != len(plan):
        raise ValueError("figural: family count does not match the plan")
    rng = rng_for("figural")
    for number, (difficulty, fig_family) in enumerate(zip(plan, FIGURAL_FAMILIES, strict=True),
                                                      start=1):
        items.append(figural_item(number, difficulty, fig_family(rng), next(letters), rng, images))

    for topic, count in TOPIC_COUNTS.items():
        got = [it for it in items if it["topic"] == topic]
        if len(got) != count:
            raise ValueError(f"{topic}: {len(got)} items, expected {count}")
        check_plan(topic, [it["difficulty"] for it in got])
    ids = [it["id"] for it in items]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate ids")
    return items, images


class _Dumper(yaml.SafeDumper):
    """Safe dumper that writes multi-line strings as literal blocks."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def render_yaml(items: list[dict[str, Any]]) -> str:
    header = ("# Generated by question_bank/generators/tiu.py -- do not edit by hand.\n"
              "# Regenerate: python -m question_bank.generators.tiu\n")
    body = yaml.dump({"bank": BANK, "language": "id", "items": items}, Dumper=_Dumper,
                     allow_unicode=True, sort_keys=False, width=4096, default_flow_style=False)
    return header + body


def main() -> int:
    items, images = build()
    IMAGES_DIR.mkdir(parents=True, exist_ok=True)
    for stale in IMAGES_DIR.glob("tiu-*.svg"):
        if stale.name not in images:
            stale.unlink()
    for name, svg in sorted(images.items()):
        (IMAGES_DIR / name).write_text(svg, encoding="utf-8", newline="\n")
    OUTPUT.write_text(render_yaml(items), encoding="utf-8", newline="\n")
    print(f"wrote {len(items)} items to {OUTPUT.relative_to(QB_DIR.parent)} "
          f"and {len(images)} images to {IMAGES_DIR.relative_to(QB_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
