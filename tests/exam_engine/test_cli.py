"""The exam-engine command: init, clear errors, and a sitting prepared end to end."""
from __future__ import annotations

import os
import re


def test_init_creates_a_private_key_and_the_database(cli, instance):
    result = cli("init")
    assert result.exit_code == 0, result.output
    assert "(new; back it up" in result.output
    assert os.stat(instance / "master.key").st_mode & 0o777 == 0o600
    assert os.stat(instance).st_mode & 0o777 == 0o700
    again = cli("init")
    assert "(kept)" in again.output


def test_commands_before_init_say_what_to_do(cli):
    result = cli("bank", "list")
    assert result.exit_code == 1
    assert "run `exam-engine init`" in result.output


def test_unknown_profile_and_duplicate_exam(cli):
    cli("init")
    bad = cli("exam", "create", "--code", "X", "--profile", "nope")
    assert bad.exit_code == 1 and "no such profile" in bad.output
    assert cli("exam", "create", "--code", "X", "--profile", "skd-demo").exit_code == 0
    again = cli("exam", "create", "--code", "X", "--profile", "skd-demo")
    assert again.exit_code == 1 and "exam 'X' already exists" in again.output


def test_session_create_checks_its_inputs(cli):
    cli("init")
    cli("exam", "create", "--code", "E", "--profile", "skd-cpns")
    base = ["session", "create", "--exam", "E", "--code", "S1", "--room", "R1"]
    bad_date = cli(*base, "--date", "01-12-2026", "--start", "08:00", "--capacity", "10")
    assert bad_date.exit_code == 1 and "date '01-12-2026': use YYYY-MM-DD" in bad_date.output
    bad_capacity = cli(*base, "--date", "2026-12-01", "--start", "08:00", "--capacity", "0")
    assert "capacity 0: must be at least 1" in bad_capacity.output
    bad_zone = cli(*base, "--date", "2026-12-01", "--start", "08:00", "--capacity", "5", "--timezone", "Mars/Base")
    assert "not a known IANA zone" in bad_zone.output
    ok = cli(*base, "--date", "2026-12-01", "--start", "08:00", "--capacity", "5")
    assert ok.exit_code == 0 and "session S1: 2026-12-01 08:00 Asia/Jakarta" in ok.output


def test_demo_prepares_a_sitting_and_prints_credentials(cli, instance):
    result = cli("demo", "--no-serve", "--candidates", "5")
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines() if line.startswith("  D")]
    assert len(lines) == 5 and all(len(pin) == 6 and pin.isdigit() for _, pin, *_ in lines)
    assert "candidate terminal: http://127.0.0.1:5000/candidate/" in result.output
    assert re.search(r"session PIN \(announced in the room\): \d{6}", result.output)
    assert list((instance / "demo").glob("daftar-hadir-DEMO-*.csv"))
    again = cli("demo", "--no-serve", "--candidates", "5")  # a second run schedules a new session
    assert again.exit_code == 0, again.output


def test_demo_prints_a_working_proctor_login(cli, instance):
    from exam_engine import create_app

    result = cli("demo", "--no-serve", "--candidates", "2")
    assert result.exit_code == 0, result.output
    match = re.search(r"proctor login: (\S+) / (\S+)", result.output)
    assert match, result.output
    app = create_app({"instance_path": instance, "async_mode": "threading"})
    client = app.test_client()
    response = client.post("/staff/api/login", json={"username": match[1], "password": match[2]})
    assert response.status_code == 200, response.get_json()
    assert len(client.get("/staff/api/sessions").get_json()["sessions"]) == 1  # only the demo room


def test_demo_urls_answer(cli, instance):
    from exam_engine import create_app

    result = cli("demo", "--no-serve", "--candidates", "2")
    console = re.search(r"proctor console: http://127.0.0.1:5000(\S+)", result.output)[1]
    board = re.search(r"venue scoreboard: http://127.0.0.1:5000(\S+)", result.output)[1]
    committee = re.search(r"committee page: http://127.0.0.1:5000(\S+)", result.output)[1]
    client = create_app({"instance_path": instance, "async_mode": "threading"}).test_client()
    assert client.get(console).status_code == 200
    assert client.get(board).status_code == 200  # public: no login
    assert client.get(committee).status_code == 200  # the page; its API asks for a committee login
    assert client.get("/candidate/").status_code == 200


def test_exam_vacancies_set_one_and_import_a_file(cli, tmp_path):
    cli("init")
    cli("exam", "create", "--code", "E", "--profile", "skd-cpns")
    ok = cli("exam", "vacancies", "--exam", "E", "--formation", "Umum", "--count", "2")
    assert ok.exit_code == 0, ok.output
    assert "umum: 2 vacancies (3 x 2 advance)" in ok.output      # advance_multiple 3 from skd-cpns.yaml
    assert "cumlaude: no vacancy count set" in ok.output
    csv = tmp_path / "formasi.csv"
    csv.write_text("formasi,kebutuhan\ncumlaude,1\nUMUM,5\n", encoding="utf-8")
    imported = cli("exam", "vacancies", "--exam", "E", "--file", csv)
    assert imported.exit_code == 0, imported.output
    assert "umum: 5 vacancies" in imported.output and "cumlaude: 1 vacancies" in imported.output
    listed = cli("exam", "vacancies", "--exam", "E")
    assert "umum: 5 vacancies" in listed.output and "papua: no vacancy count set" in listed.output


def test_exam_vacancies_refuse_unknown_formations_and_non_positive_counts(cli, tmp_path):
    cli("init")
    cli("exam", "create", "--code", "E", "--profile", "skd-cpns")
    unknown = cli("exam", "vacancies", "--exam", "E", "--formation", "luar_negeri", "--count", "2")
    assert unknown.exit_code == 1
    assert "formation 'luar_negeri': not a formation of exam E (umum, cumlaude," in unknown.output
    zero = cli("exam", "vacancies", "--exam", "E", "--formation", "umum", "--count", "0")
    assert zero.exit_code == 1 and "vacancies 0: must be at least 1" in zero.output
    half = cli("exam", "vacancies", "--exam", "E", "--formation", "umum", "--count", "2.5")
    assert half.exit_code == 1 and "vacancies '2.5': must be a whole number" in half.output
    alone = cli("exam", "vacancies", "--exam", "E", "--formation", "umum")
    assert alone.exit_code == 2 and "--formation and --count go together" in alone.output
    bad = tmp_path / "formasi.csv"
    bad.write_text("formation,vacancies\numum,3\nluar_negeri,2\ncumlaude,-1\numum,4\n", encoding="utf-8")
    refused = cli("exam", "vacancies", "--exam", "E", "--file", bad)
    assert refused.exit_code == 1
    assert f"{bad}:3: formation: formation 'luar_negeri': not a formation of exam E" in refused.output
    assert f"{bad}:4: vacancies: vacancies -1: must be at least 1" in refused.output
    assert f"{bad}:5: formation: 'umum' appears twice (first on line 2)" in refused.output
    assert "nothing was imported" in refused.output
    # all or nothing: the good first row was not stored either
    assert "umum: no vacancy count set" in cli("exam", "vacancies", "--exam", "E").output
    no_column = tmp_path / "no_column.csv"
    no_column.write_text("formation,posts\numum,3\n", encoding="utf-8")
    missing = cli("exam", "vacancies", "--exam", "E", "--file", no_column)
    assert "vacancies: missing column (one of: vacancies, kebutuhan, jumlah)" in missing.output
