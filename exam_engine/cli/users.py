"""`exam-engine user add|password|assign|list`: staff accounts and proctor assignments."""
from __future__ import annotations

import sys

import click

from exam_engine.cli import clear_errors, engine_from, exit_on

def _account_errors() -> tuple[type[Exception], ...]:
    from exam_engine.accounts.passwords import WeakPassword
    from exam_engine.accounts.service import AccountError

    return AccountError, WeakPassword


#: Account mistakes (weak password, unknown user) end with a message, not a traceback.
account_errors = exit_on(_account_errors)


def read_password(username: str, from_stdin: bool) -> str:
    """From one stdin line (scripts), or a hidden prompt that asks again until it is strong."""
    from exam_engine.accounts.passwords import WeakPassword, check_strength

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        check_strength(password, username)  # no second chance without a terminal
        return password

    def strong(value: str) -> str:
        try:
            check_strength(value, username)
        except WeakPassword as exc:
            raise click.UsageError(str(exc)) from None  # click prints it and asks again
        return value

    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True, value_proc=strong))


password_stdin = click.option("--password-stdin", is_flag=True,
                              help="Read the password from the first line of standard input.")


@click.group("user")
def user() -> None:
    """Staff accounts: admin, committee and proctor."""


@user.command("add")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(["proctor", "committee", "admin"]))
@click.option("--name", default=None, help="Display name (default: the username).")
@password_stdin
@click.pass_context
@clear_errors
@account_errors
def user_add(ctx: click.Context, username: str, role: str, name: str | None, password_stdin: bool) -> None:
    """Create an account; the password is asked twice (at least 10 characters)."""
    from exam_engine.accounts.service import AccountError, create_user, username_problem

    engine = engine_from(ctx)
    with engine.db.session() as session:  # before the prompt, so nobody types a password in vain
        problem = username_problem(session, username)
    if problem:
        raise AccountError(problem)
    password = read_password(username.strip().lower(), password_stdin)
    with engine.db.transaction() as session:
        created = create_user(session, username, role, password, name)
        click.echo(f"user {created.username} ({created.role}) created")


@user.command("password")
@click.option("--username", required=True)
@password_stdin
@click.pass_context
@clear_errors
@account_errors
def user_password(ctx: click.Context, username: str, password_stdin: bool) -> None:
    """Set a new password; the user's open logins end."""
    from exam_engine.accounts.service import get_user, set_password

    engine = engine_from(ctx)
    with engine.db.session() as session:
        name = get_user(session, username).username
    password = read_password(name, password_stdin)
    with engine.db.transaction() as session:
        set_password(session, get_user(session, name), password)
    click.echo(f"password of {name} changed")


@user.command("assign")
@click.option("--username", required=True)
@click.option("--session", "session_code", required=True, help="Session code, e.g. JKT-01-S1.")
@click.pass_context
@clear_errors
@account_errors
def user_assign(ctx: click.Context, username: str, session_code: str) -> None:
    """Let a proctor see and act on a session."""
    from exam_engine.accounts.service import assign_proctor

    engine = engine_from(ctx)
    with engine.db.transaction() as session:
        assignment, created = assign_proctor(session, username, session_code)
        what = "assigned to" if created else "was already assigned to"
        click.echo(f"{assignment.user.username} {what} session {assignment.exam_session.code}")


@user.command("list")
@click.pass_context
@clear_errors
def user_list(ctx: click.Context) -> None:
    """Every account with its role and the sessions a proctor is assigned to."""
    from sqlalchemy import select

    from exam_engine.accounts.models import StaffUser

    engine = engine_from(ctx)
    with engine.db.session() as session:
        users = list(session.scalars(select(StaffUser).order_by(StaffUser.role, StaffUser.username)))
        if not users:
            click.echo("no users yet; add one with `exam-engine user add`")
            return
        click.echo(f"{'USERNAME':20} {'ROLE':10} {'ACTIVE':6} {'NAME':24} SESSIONS")
        for u in users:
            sessions = ", ".join(sorted(a.exam_session.code for a in u.assignments))
            if u.role != "proctor":
                sessions = "(all)"
            click.echo(f"{u.username:20} {u.role:10} {'yes' if u.active else 'no':6} {u.display_name:24} "
                       f"{sessions or '-'}")


def register(main: click.Group) -> None:
    main.add_command(user)
