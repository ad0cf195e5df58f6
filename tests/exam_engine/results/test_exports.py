"""Committee exports: typed XLSX, CSV, PDF reports, and the signed manifest that guards them."""
from __future__ import annotations

import base64
import csv
import json
import re
import shutil
import stat
import subprocess
from pathlib import Path

import openpyxl
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from exam_engine.cli import main
from exam_engine.cli.results import register
from exam_engine.results.exports import SessionInfo, export, result_rows, write_csv, write_xlsx
from exam_engine.results.signing import MANIFEST, SIGNATURE, verify, write_manifest

RECORDS = [
    {"number": "0012", "name": "Siti Rahayu", "formation": "Analis Kebijakan",
     "sections": {"TWK": 85, "TIU": 100, "TKP": 180}, "total": 365, "passed": True, "rank": 1},
    {"number": "0013", "name": "Made Wiryawan", "formation": "Analis Kebijakan",
     "sections": {"TWK": 60, "TIU": 70, "TKP": 150.5}, "total": 280.5, "passed": False, "rank": None},
    {"number": "0021", "name": "Yohanes Tanoto", "formation": "Pranata Komputer",
     "sections": {"TWK": 90, "TIU": 95, "TKP": 170}, "total": 355, "passed": True, "rank": 1},
    {"number": "0022", "name": "Dewi Lestari", "formation": "Pranata Komputer", "present": False},
]
INFO = SessionInfo(exam="SKD CPNS 2026", session="JKT-01-S1", room="Lab 2", date="2026-12-01", start="08:00",
                   proctors=("Ahmad Fauzi", "Rina Marlina"), chair="Dr. Bambang Sutrisno")


@pytest.fixture
def rows():  # type: ignore[no-untyped-def]
    return result_rows(RECORDS)


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def signed(tmp_path, rows, key) -> Path:  # type: ignore[no-untyped-def]
    folder = tmp_path / "export"
    export(rows, INFO, folder, ["xlsx", "csv", "pdf"])
    write_manifest(folder, key, {"session": INFO.session})
    return folder


@pytest.fixture
def cli_results(cli):  # type: ignore[no-untyped-def]
    """The `cli` fixture with the results group, whether or not the CLI registers it yet."""
    added = "results" not in main.commands
    if added:
        register(main)
    yield cli
    if added:
        main.commands.pop("results")


def pdf_text(path: Path) -> str:
    assert shutil.which("pdftotext"), "pdftotext is missing: apt-get install poppler-utils"
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


# --- the files ----------------------------------------------------------------------------

def test_xlsx_has_one_typed_sheet_per_formation_with_a_frozen_header(tmp_path, rows):
    book = openpyxl.load_workbook(write_xlsx(rows, tmp_path / "hasil.xlsx"))
    assert book.sheetnames == ["Analis Kebijakan", "Pranata Komputer"]
    sheet = book["Analis Kebijakan"]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header == ["No. Peserta", "Nama", "Formasi", "TWK", "TIU", "TKP", "Total", "Lulus", "Peringkat",
                      "Keterangan"]
    first, second = sheet[2], sheet[3]
    assert first[0].value == "0012" and first[0].data_type == "s"  # leading zeros kept
    assert [c.value for c in first[3:7]] == [85, 100, 180, 365]
    assert all(c.data_type == "n" for c in first[3:7]) and isinstance(second[5].value, float)
    assert first[7].value is True and first[7].data_type == "b"
    assert first[8].value == 1 and second[8].value is None
    assert sheet.column_dimensions["B"].width >= len("Made Wiryawan")
    absent = book["Pranata Komputer"][3]
    assert absent[1].value == "Dewi Lestari" and absent[6].value is None and absent[9].value == "TIDAK HADIR"


def test_xlsx_keeps_formula_like_text_as_text(tmp_path):
    rows = result_rows([{"number": "1", "name": "=HYPERLINK(\"x\")", "formation": "A/B [1]", "total": 1}])
    book = openpyxl.load_workbook(write_xlsx(rows, tmp_path / "x.xlsx"))
    assert book.sheetnames == ["A-B -1-"]
    assert book.active["B2"].data_type == "s"


@pytest.mark.parametrize("bom", [False, True])
def test_csv_is_utf8_with_an_optional_bom_and_reads_back(tmp_path, rows, bom):
    path = write_csv(rows, tmp_path / "hasil.csv", bom=bom)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") is bom
    with path.open(encoding="utf-8-sig", newline="") as fh:
        assert result_rows(csv.DictReader(fh)) == sorted(rows, key=lambda r: (r.formation, r.rank is None, r.number))


def test_berita_acara_shows_the_sitting_names_totals_and_signatures(signed):
    text = pdf_text(signed / "berita-acara.pdf")
    for expected in ("BERITA ACARA", "JKT-01-S1", "Lab 2", "Ahmad Fauzi", "Rina Marlina", "Dr. Bambang Sutrisno",
                     "Siti Rahayu", "365", "Made Wiryawan", "280.5", "Yohanes Tanoto", "355", "TIDAK HADIR"):
        assert expected in text
    assert re.search(r"Hadir\s*:\s*3\b", text) and re.search(r"Tidak hadir\s*:\s*1\b", text)


def test_each_present_candidate_gets_a_certificate(signed):
    assert sorted(p.name for p in (signed / "sertifikat").iterdir()) == ["0012.pdf", "0013.pdf", "0021.pdf"]
    text = pdf_text(signed / "sertifikat" / "0013.pdf")
    for expected in ("Made Wiryawan", "0013", "Analis Kebijakan", "150.5", "280.5", "TIDAK LULUS"):
        assert expected in text


UNICODE_NAME = "Ṡiti Nur’aini Łukasz — 李"  # beyond Latin-1, and beyond DejaVu (李)


def pdf_fonts(path: Path) -> str:
    assert shutil.which("pdffonts"), "pdffonts is missing: apt-get install poppler-utils"
    return subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout


def test_names_outside_latin1_print_exactly_in_the_report_and_the_certificate(tmp_path):
    rows = result_rows([{"number": "0031", "name": UNICODE_NAME, "formation": "Analis Ṡ — 李",
                         "sections": {"TWK": 90}, "total": 90, "passed": True, "rank": 1}])
    folder = tmp_path / "export"
    export(rows, SessionInfo(exam="SKD — Łódź 李", chair="Łukasz Ż."), folder, ["pdf"])
    certificate = pdf_text(folder / "sertifikat" / "0031.pdf")
    for expected in (UNICODE_NAME, "Analis Ṡ — 李", "SKD — Łódź 李", "Łukasz Ż."):
        assert expected in certificate
    # the report's name column is narrow: the name may wrap, but no character is lost or replaced
    report = pdf_text(folder / "berita-acara.pdf")
    assert "".join(UNICODE_NAME.split()) in "".join(report.split())
    assert "SKD — Łódź 李" in report
    assert "DroidSansFallback" in pdf_fonts(folder / "berita-acara.pdf")  # for 李


def test_pdfs_embed_the_packaged_font_and_load_the_cjk_fallback_only_when_needed(signed):
    fonts = pdf_fonts(signed / "sertifikat" / "0012.pdf")
    names = sorted(line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:])
    assert names == ["DejaVuSansBold", "DejaVuSansBook"]  # the packaged font: no core font, no CJK fallback
    assert all(line.split()[-5:-2] == ["yes", "yes", "yes"] for line in fonts.splitlines()[2:])  # embedded subsets


# --- the signed manifest --------------------------------------------------------------------

def files_of(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and p.name not in (MANIFEST, SIGNATURE))


def test_an_untouched_export_is_valid(signed, key):
    assert verify(signed, key.public_key()) == []
    listed = json.loads((signed / MANIFEST).read_text())["files"]
    assert sorted(listed) == files_of(signed) and len(listed) == 6


def test_one_altered_byte_in_any_file_is_named(signed, key):
    for name in files_of(signed):
        path = signed / name
        original = path.read_bytes()
        middle = len(original) // 2
        path.write_bytes(original[:middle] + bytes([original[middle] ^ 1]) + original[middle + 1:])
        assert verify(signed, key.public_key()) == [f"altered: {name}"]
        path.write_bytes(original)
    assert verify(signed, key.public_key()) == []


def test_an_added_or_removed_file_is_named(signed, key):
    (signed / "sertifikat" / "0099.pdf").write_bytes(b"%PDF-1.4 forged")
    (signed / "hasil.csv").unlink()
    assert verify(signed, key.public_key()) == ["removed: hasil.csv", "added: sertifikat/0099.pdf"]


def test_a_forged_or_edited_manifest_fails_its_signature(signed, key):
    forger = Ed25519PrivateKey.generate()
    body = (signed / MANIFEST).read_bytes()
    (signed / SIGNATURE).write_text(base64.b64encode(forger.sign(body)).decode())
    assert verify(signed, key.public_key()) == [
        "manifest signature invalid: the manifest was altered or not signed by this key"]
    # Re-hashing a tampered file into the manifest does not help without the key.
    write_manifest(signed, key)
    manifest = json.loads((signed / MANIFEST).read_text())
    manifest["files"]["hasil.csv"] = "0" * 64
    (signed / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    assert verify(signed, key.public_key())[0].startswith("manifest signature invalid")
    assert verify(signed, forger.public_key())[0].startswith("manifest signature invalid")


def test_a_folder_without_a_manifest_is_not_valid(tmp_path, key):
    assert verify(tmp_path, key.public_key())[0].startswith("missing: MANIFEST.json")


# --- the commands ---------------------------------------------------------------------------

def test_keygen_export_and_verify_from_the_command_line(cli_results, instance, tmp_path):
    made = cli_results("results", "keygen")
    assert made.exit_code == 0, made.output
    private, public = instance / "authority.key", instance / "authority.pub"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert f"public key: {public.read_text().strip()}" in made.output
    again = cli_results("results", "keygen")
    assert again.exit_code == 1 and "exists already" in again.output
    assert "public key" not in again.output

    rows_file = tmp_path / "rows.json"
    rows_file.write_text(json.dumps({"session": {"exam": "SKD", "session": "S1", "proctors": ["A"]},
                                     "rows": RECORDS}))
    out = tmp_path / "out"
    done = cli_results("results", "export", "--rows", rows_file, "--format", "xlsx", "--format", "pdf",
                       "--out", out)
    assert done.exit_code == 0, done.output
    assert cli_results("results", "verify", out).output == "VALID\n"
    assert cli_results("results", "verify", out, "--public-key", public).exit_code == 0

    with (out / "hasil.xlsx").open("r+b") as fh:
        fh.seek(100)
        byte = fh.read(1)
        fh.seek(100)
        fh.write(bytes([byte[0] ^ 0xFF]))
    failed = cli_results("results", "verify", out)
    assert failed.exit_code == 1 and failed.output == "altered: hasil.xlsx\n"
    other = base64.b64encode(Ed25519PrivateKey.generate().public_key().public_bytes_raw()).decode()
    assert "signature invalid" in cli_results("results", "verify", out, "--public-key", other).output

    refused = cli_results("results", "export", "--rows", rows_file, "--format", "csv", "--out", out)
    assert refused.exit_code == 1 and "not empty" in refused.output


def test_export_reads_csv_rows(cli_results, tmp_path, rows):
    assert cli_results("results", "keygen").exit_code == 0
    source = write_csv(rows, tmp_path / "rows.csv", bom=True)
    out = tmp_path / "out"
    assert cli_results("results", "export", "--rows", source, "--format", "csv", "--out", out).exit_code == 0
    assert (out / "hasil.csv").read_text(encoding="utf-8") == source.read_text(encoding="utf-8-sig")
    assert cli_results("results", "verify", out).output == "VALID\n"
