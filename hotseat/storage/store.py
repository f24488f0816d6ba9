"""The store: every session and turn, written as it happens."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from hotseat.errors import ConflictError, NotFoundError, StorageError
from hotseat.practice.mood import MoodState
from hotseat.practice.personas import Difficulty
from hotseat.practice.session import PracticeSession, SessionStatus, Turn
from hotseat.providers.base import Usage
from hotseat.storage import migrate
from hotseat.storage.schema import EvaluationRow, SessionRow, TurnRow, UserRow

LOCAL_USER = "local"
UNAVAILABLE_HINT = (
    "Nothing you typed is lost: try again in a moment. If it persists, check DATABASE_URL and that the "
    "server is running (or HOTSEAT_DATA_DIR for the default SQLite file: it must be writable and not full)."
)


def unavailable(exc: BaseException, url: str | None = None) -> StorageError:
    """One clear StorageError for a database that cannot be reached or written (no driver traceback)."""
    orig = getattr(exc, "orig", None) or exc
    detail = (str(orig).strip().splitlines() or [type(orig).__name__])[0][:200]
    where = f" at {make_url(url).render_as_string(hide_password=True)}" if url else ""
    return StorageError(f"The database{where} is unavailable ({detail}).", hint=UNAVAILABLE_HINT)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for `url`: SQLite gets WAL and foreign keys, its folder is created."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


class Store:
    """Reads and writes practice sessions. Safe to share across threads."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str, *, migrate_now: bool = True) -> Store:
        """Connect to `url` and bring its schema up to date."""
        try:
            engine = make_engine(url)
            if migrate_now:
                migrate.upgrade(engine)
        except (OperationalError, InterfaceError, OSError) as exc:
            raise unavailable(exc, url) from exc
        return cls(engine)

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        try:
            with self._sessions.begin() as db:
                yield db
        except (OperationalError, InterfaceError) as exc:  # down, unreachable, read-only or full
            raise unavailable(exc) from exc

    # -- users ------------------------------------------------------------------------------
    def local_user_id(self) -> int:
        """The single local user's id (created on first use), for practice without accounts."""
        with self._tx() as db:
            row = db.scalar(select(UserRow).where(UserRow.username == LOCAL_USER))
            if row is None:
                row = UserRow(username=LOCAL_USER, display_name="Local trainee", role="trainee")
                db.add(row)
                try:
                    db.flush()
                except IntegrityError:
                    db.rollback()
                    return self.local_user_id()
            return row.id

    # -- sessions ---------------------------------------------------------------------------
    def create_session(self, session: PracticeSession) -> None:
        """Insert a new session with its turns so far."""
        with self._tx() as db:
            db.add(
                SessionRow(
                    id=session.id,
                    user_id=session.user_id,
                    persona_id=session.persona_id,
                    persona_version=session.persona_version,
                    scenario_id=session.scenario_id,
                    difficulty=session.difficulty.value,
                    provider=session.provider,
                    status=session.status,
                    assisted=session.assisted,
                    parent_id=session.parent_id,
                    branched_at=session.branched_at,
                    state=self._state_of(session),
                    created_at=session.created_at,
                )
            )
            db.flush()
            for turn in session.turns:
                db.add(self._turn_row(session.id, turn))

    def append_turn(self, session_id: str, turn: Turn) -> None:
        """Store one new turn; a turn already stored at that position raises ConflictError."""
        self.record_turn(session_id, turn, None)

    def record_turn(self, session_id: str, turn: Turn, session: PracticeSession | None) -> None:
        """Store one new turn and, in the same transaction, `session`'s state after it (all or nothing).

        A turn already stored at that position raises ConflictError and changes nothing.
        """
        try:
            with self._tx() as db:
                db.add(self._turn_row(session_id, turn))
                if session is not None:
                    db.flush()  # the turn first: a conflict must not touch the session row
                    self._write_state(db, session)
        except IntegrityError as exc:
            raise ConflictError(
                f"Turn {turn.index} of session {session_id} was already saved (another tab?).",
                hint="The conversation was reloaded from the database; nothing was lost.",
            ) from exc

    def update_turn_meta(self, session_id: str, turn: Turn) -> None:
        """Rewrite the stored metadata (signals, mood, note) of an existing turn."""
        with self._tx() as db:
            row = db.scalar(select(TurnRow).where(TurnRow.session_id == session_id, TurnRow.idx == turn.index))
            if row is None:
                raise NotFoundError(f"Turn {turn.index} of session {session_id} does not exist.")
            row.meta = self._turn_meta(turn)

    def save_state(self, session: PracticeSession) -> None:
        """Persist the session's status, mood, usage and summary."""
        with self._tx() as db:
            self._write_state(db, session)

    def _write_state(self, db: Session, session: PracticeSession) -> None:
        row = db.get(SessionRow, session.id)
        if row is None:
            raise NotFoundError(f"Session {session.id} does not exist.")
        row.status = session.status
        row.assisted = session.assisted
        row.state = self._state_of(session)

    def load_session(self, session_id: str, *, user_id: int | None = None) -> PracticeSession:
        """A session with its turns; with `user_id`, only if it belongs to that user."""
        with self._tx() as db:
            row = db.get(SessionRow, session_id)
            if row is None or (user_id is not None and row.user_id != user_id):
                raise NotFoundError(
                    f"No session {session_id!r}.",
                    hint="Run `hotseat sessions` to list your sessions.",
                )
            turns = db.scalars(select(TurnRow).where(TurnRow.session_id == session_id).order_by(TurnRow.idx)).all()
            return self._session_of(row, list(turns))

    def list_sessions(self, *, user_id: int | None = None, limit: int = 200) -> list[PracticeSession]:
        """Sessions, newest first (turns included)."""
        with self._tx() as db:
            query = select(SessionRow).order_by(SessionRow.created_at.desc()).limit(limit)
            if user_id is not None:
                query = query.where(SessionRow.user_id == user_id)
            rows = db.scalars(query).all()
            ids = [r.id for r in rows]
            turns_by: dict[str, list[TurnRow]] = {i: [] for i in ids}
            if ids:
                for t in db.scalars(select(TurnRow).where(TurnRow.session_id.in_(ids)).order_by(TurnRow.idx)):
                    turns_by[t.session_id].append(t)
            return [self._session_of(r, turns_by[r.id]) for r in rows]

    # -- evaluations ------------------------------------------------------------------------
    def add_evaluation(self, session_id: str, evaluator: str, result: dict[str, Any]) -> int:
        """Store a grade (kept forever beside earlier ones)."""
        with self._tx() as db:
            row = EvaluationRow(session_id=session_id, evaluator=evaluator, result=result)
            db.add(row)
            db.flush()
            return row.id

    def latest_evaluation(self, session_id: str) -> dict[str, Any] | None:
        """The newest grade of a session, or None."""
        with self._tx() as db:
            row = db.scalar(
                select(EvaluationRow)
                .where(EvaluationRow.session_id == session_id)
                .order_by(EvaluationRow.id.desc())
                .limit(1)
            )
            return dict(row.result) if row else None

    # -- mapping ----------------------------------------------------------------------------
    @staticmethod
    def _state_of(session: PracticeSession) -> dict[str, Any]:
        return {
            "mood": session.mood.model_dump(mode="json"),
            "usage": session.usage.model_dump(mode="json"),
            "summary": session.summary,
            "summarised_through": session.summarised_through,
        }

    @staticmethod
    def _turn_meta(turn: Turn) -> dict[str, Any]:
        return turn.model_dump(mode="json", include={"signals", "mood", "note", "hint_used", "prompt_tokens"})

    def _turn_row(self, session_id: str, turn: Turn) -> TurnRow:
        return TurnRow(
            session_id=session_id,
            idx=turn.index,
            role=turn.role,
            text=turn.text,
            meta=self._turn_meta(turn),
            created_at=turn.created_at,
        )

    @staticmethod
    def _session_of(row: SessionRow, turns: list[TurnRow]) -> PracticeSession:
        state = row.state or {}
        return PracticeSession(
            id=row.id,
            user_id=row.user_id,
            persona_id=row.persona_id,
            persona_version=row.persona_version,
            scenario_id=row.scenario_id,
            difficulty=Difficulty(row.difficulty),
            provider=row.provider,
            status=SessionStatus(row.status),
            assisted=row.assisted,
            parent_id=row.parent_id,
            branched_at=row.branched_at,
            mood=MoodState.model_validate(state.get("mood") or {"anger": 5, "trust": 5}),
            usage=Usage.model_validate(state.get("usage") or {}),
            summary=state.get("summary", ""),
            summarised_through=state.get("summarised_through", 0),
            created_at=row.created_at,
            turns=[
                Turn(index=t.idx, role=t.role, text=t.text, created_at=t.created_at, **(t.meta or {}))  # type: ignore[arg-type]
                for t in turns
            ],
        )

    # -- cohorts, accounts and reviews (hotseat.org) -----------------------------------------
    # Added for the multi-user data layer. Access control is enforced in hotseat.org, which
    # takes the acting user explicitly; these two methods check nothing themselves.
    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One ORM transaction: committed when the block ends, rolled back if it raises."""
        with self._tx() as db:
            yield db

    def load_sessions(self, session_ids: list[str]) -> list[PracticeSession]:
        """Several sessions with their turns, in the order given (ids that do not exist are skipped)."""
        if not session_ids:
            return []
        with self._tx() as db:
            rows = {r.id: r for r in db.scalars(select(SessionRow).where(SessionRow.id.in_(session_ids)))}
            turns_by: dict[str, list[TurnRow]] = {i: [] for i in rows}
            for t in db.scalars(select(TurnRow).where(TurnRow.session_id.in_(list(rows))).order_by(TurnRow.idx)):
                turns_by[t.session_id].append(t)
            return [self._session_of(rows[i], turns_by[i]) for i in session_ids if i in rows]
