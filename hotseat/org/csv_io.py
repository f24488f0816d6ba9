"""CSV out (a cohort's attempts and progress) and in (users, all or nothing)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from evaluators.skills import Skill
from hotseat.errors import InputError
from hotseat.org.access import current_user, require_cohort_grader, require_role
from hotseat.org.accounts import Actor, Role, check_password, hash_password, normalise_username
from hotseat.org.assignments import assignment_of, attempts_by_trainee
from hotseat.org.codes import temporary_password
from hotseat.org.cohorts import cohort_row
from hotseat.org.dashboard import cohort_dashboard
from hotseat.org.reviews import final_scores, load_reviews
from hotseat.org.scores import latest_evaluations, skill_scores
from hotseat.org.standards import Verdict, standards_for, verdict
from hotseat.storage import Store
from hotseat.storage.schema import AssignmentRow, CohortMemberRow, SessionRow, UserRow
from hotseat.text import safe_cell

IMPORT_COLUMNS = ("username", "display_name", "role", "password")
MAX_IMPORT_ROWS = 2000
MAX_ERRORS_SHOWN = 10


def _csv(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(header))
    for row in rows:
        writer.writerow([safe_cell(v) if isinstance(v, str) else v for v in row])
    return out.getvalue()


def _iso(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


def export_sessions_csv(store: Store, actor: Actor, cohort_id: int) -> str:
    """One row per attempt: who, which assignment, status, the evaluator's and the graders' mean scores.

    The columns after those are the final scores (`<skill>_final`, their `final_source`: review or
    evaluator, `final_mean`) and `passed` (yes / not yet; empty without a standard or a grade).
    """
    with store.transaction() as db:
        user = current_user(db, actor)
        cohort = require_cohort_grader(db, user, cohort_id, doing="export it")
        assignments = {
            r.id: assignment_of(r)
            for r in db.scalars(select(AssignmentRow).where(AssignmentRow.cohort_id == cohort_id))
        }
        attempts = [a for group in attempts_by_trainee(db, list(assignments)).values() for a in group]
        ids = [a.session_id for a in attempts]
        users = {u.id: u for u in db.scalars(select(UserRow).where(UserRow.id.in_({a.user_id for a in attempts})))}
        sessions = {s.id: s for s in db.scalars(select(SessionRow).where(SessionRow.id.in_(ids)))}
        evaluations = latest_evaluations(db, ids)
        reviews = load_reviews(db, ids)
        finals = final_scores(db, ids)
        standards = standards_for(db, list(assignments))
        rows = []
        for a in sorted(attempts, key=lambda x: (users[x.user_id].username, x.assignment_id, x.attempt)):
            evaluation = evaluations.get(a.session_id)
            scores = skill_scores(evaluation.result) if evaluation else None
            done = reviews.get(a.session_id, [])
            grader_means = [
                f"{sum(r.score(s).grader_score for r in done) / len(done):.2f}" if done else "" for s in Skill
            ]
            final = finals.get(a.session_id)
            standard = standards.get(a.assignment_id)
            judged = verdict(standard, final) if standard is not None and final is not None else None
            rows.append(
                [
                    cohort.name,
                    a.assignment_id,
                    assignments[a.assignment_id].title,
                    users[a.user_id].username,
                    users[a.user_id].display_name,
                    a.session_id,
                    a.attempt,
                    int(a.counted),
                    int(a.finished),
                    int(a.submitted),
                    sessions[a.session_id].status,
                    _iso(a.started_at),
                    evaluation.evaluator if evaluation else "",
                    *[scores[s] if scores else "" for s in Skill],
                    len(done),
                    *grader_means,
                    ("review" if final.reviewed else "evaluator") if final else "",
                    *[final.scores[s] if final else "" for s in Skill],
                    f"{final.mean:.2f}" if final else "",
                    ("yes" if judged.passed else "not yet") if judged else "",
                ]
            )
    header = [
        "cohort",
        "assignment_id",
        "assignment",
        "username",
        "display_name",
        "session_id",
        "attempt",
        "counted",
        "finished",
        "submitted",
        "session_status",
        "started_at",
        "evaluator",
        *[s.value for s in Skill],
        "reviews",
        *[f"{s.value}_grader_mean" for s in Skill],
        "final_source",
        *[f"{s.value}_final" for s in Skill],
        "final_mean",
        "passed",
    ]
    return _csv(header, rows)


def export_progress_csv(store: Store, actor: Actor, cohort_id: int, *, now: datetime | None = None) -> str:
    """One row per trainee: their status on each assignment, their trend's first and latest mean final score.

    Then, per assignment with a standard, a `<id>: <title> passed` column (yes / not yet / empty).
    """
    board = cohort_dashboard(store, actor, cohort_id, now=now)
    judged = [c for c in board.completion if c.standard is not None]
    header = [
        "username",
        "display_name",
        *[f"{c.assignment.id}: {c.assignment.title}" for c in board.completion],
        "graded_attempts",
        "first_mean",
        "latest_mean",
        *[f"{c.assignment.id}: {c.assignment.title} passed" for c in judged],
    ]
    rows = [
        [
            t.username,
            t.display_name,
            *[t.statuses[c.assignment.id].value for c in board.completion],
            len(t.trend),
            f"{t.trend[0].mean:.2f}" if t.trend else "",
            f"{t.trend[-1].mean:.2f}" if t.trend else "",
            *[_passed(t.verdicts.get(c.assignment.id)) for c in judged],
        ]
        for t in board.trainees
    ]
    return _csv([safe_cell(h) for h in header], rows)


def _passed(judged: Verdict | None) -> str:
    return "" if judged is None else ("yes" if judged.passed else "not yet")


@dataclass(frozen=True)
class ImportedUser:
    """An account made by an import; `temporary_password` is set when the CSV gave none (show it once)."""

    user_id: int
    username: str
    role: Role
    temporary_password: str | None


@dataclass(frozen=True)
class _Planned:
    username: str
    display_name: str
    role: Role
    password: str
    generated: bool


def _parse_rows(text: str) -> list[_Planned]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "username" not in header:
        raise InputError(
            "The CSV has no 'username' column.",
            hint=f"The first row must name the columns: {', '.join(IMPORT_COLUMNS)}.",
        )
    unknown = [h for h in header if h not in IMPORT_COLUMNS]
    if unknown:
        raise InputError(f"Unknown column(s): {', '.join(unknown)}.", hint=f"Use only {', '.join(IMPORT_COLUMNS)}.")
    reader.fieldnames = header
    planned: list[_Planned] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(reader, start=2):  # row 1 is the header, as a spreadsheet shows it
        if number - 1 > MAX_IMPORT_ROWS:
            raise InputError(f"The CSV has more than {MAX_IMPORT_ROWS} users.", hint="Split it into several files.")
        if None in raw:
            errors.append(f"Row {number}: more cells than columns.")
            continue
        cells = {k: (v or "").strip() for k, v in raw.items()}
        if not any(cells.values()):
            continue  # blank line
        try:
            username = normalise_username(cells.get("username", ""))
            if username in seen:
                raise InputError(f"username {username!r} also appears in row {seen[username]}.")
            seen[username] = number
            role_text = cells.get("role") or Role.TRAINEE.value
            try:
                role = Role(role_text.lower())
            except ValueError:
                raise InputError(f"role {role_text!r} is not one of {', '.join(r.value for r in Role)}.") from None
            password = cells.get("password", "")
            if password:
                check_password(password, username=username)
            planned.append(
                _Planned(username, cells.get("display_name", ""), role, password or temporary_password(), not password)
            )
        except InputError as exc:
            errors.append(f"Row {number}: {exc.message}" + (f" ({exc.hint})" if exc.hint else ""))
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        more = f"\n…and {len(errors) - len(shown)} more." if len(errors) > len(shown) else ""
        raise InputError(
            "The CSV was not imported:\n" + "\n".join(shown) + more, hint="Fix these rows; nobody was added."
        )
    if not planned:
        raise InputError("The CSV has no users in it.", hint="Add one row per user below the header row.")
    return planned


def import_users_csv(store: Store, actor: Actor, text: str, *, cohort_id: int | None = None) -> list[ImportedUser]:
    """An admin creates accounts from CSV (username, display_name, role, password): every row or none.

    With `cohort_id`, imported trainees join the cohort and imported graders grade it.
    """
    planned = _parse_rows(text)
    with store.transaction() as db:
        require_role(db, actor, Role.ADMIN, doing="import users")
        if cohort_id is not None:
            cohort_row(db, cohort_id)
        names = [p.username for p in planned]
        taken = set(db.scalars(select(UserRow.username).where(UserRow.username.in_(names))))
        if taken:
            rows = [f"row {names.index(n) + 2} ({n})" for n in sorted(taken, key=names.index)]
            raise InputError(
                f"Already taken: {', '.join(rows[:MAX_ERRORS_SHOWN])}.", hint="Remove those rows; nobody was added."
            )
    hashes = [hash_password(p.password) for p in planned]  # slow (argon2): outside the write transaction
    created: list[ImportedUser] = []
    try:
        with store.transaction() as db:
            require_role(db, actor, Role.ADMIN, doing="import users")
            if cohort_id is not None:
                cohort_row(db, cohort_id)
            for plan, hashed in zip(planned, hashes, strict=True):
                row = UserRow(
                    username=plan.username,
                    display_name=plan.display_name[:200],
                    role=plan.role.value,
                    password_hash=hashed,
                    must_change_password=plan.generated,  # a temporary password: changed at first sign-in
                )
                db.add(row)
                db.flush()
                if cohort_id is not None and plan.role in (Role.TRAINEE, Role.GRADER):
                    db.add(CohortMemberRow(cohort_id=cohort_id, user_id=row.id, role=plan.role.value))
                created.append(
                    ImportedUser(row.id, plan.username, plan.role, plan.password if plan.generated else None)
                )
    except IntegrityError as exc:  # a username taken by someone else while we were hashing
        raise InputError("A username in the CSV was taken meanwhile.", hint="Import again; nobody was added.") from exc
    return created
