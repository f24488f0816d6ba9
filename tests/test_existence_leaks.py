"""Something a user may not see reads exactly like something that does not exist."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers_org import World, build_world, fast_passwords, fixed_grade

from hotseat.errors import HotseatError
from hotseat.org.access import get_session_for
from hotseat.org.calibration import calibration_report
from hotseat.org.cohorts import cohort_members, get_cohort
from hotseat.org.csv_io import export_progress_csv, export_sessions_csv
from hotseat.org.dashboard import cohort_dashboard
from hotseat.org.reviews import review_queue, review_sheet, submit_for_review, submit_review


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    fast_passwords(monkeypatch)
    built = build_world(f"sqlite:///{tmp_path / 'org.db'}", tmp_path)
    yield built
    built.store.engine.dispose()


def _answer(call: Callable[[], object]) -> tuple[str, str]:
    with pytest.raises(HotseatError) as caught:
        call()
    message = caught.value.user_message()
    return type(caught.value).__name__, message


def test_a_grader_outside_the_cohort_cannot_tell_a_real_session_from_a_made_up_one(world: World) -> None:
    session = world.play(world.alice)
    submit_for_review(world.store, world.alice, session.id, grade=fixed_grade())
    fake = "00000000-0000-4000-8000-000000000000"
    outsider = world.other_grader
    for call in (review_sheet, submit_review, get_session_for):
        real_kind, real_text = _answer(lambda call=call: call(world.store, outsider, session.id))
        fake_kind, fake_text = _answer(lambda call=call: call(world.store, outsider, fake))
        assert real_kind == fake_kind == "NotFoundError", call.__name__
        assert real_text.replace(session.id, "ID") == fake_text.replace(fake, "ID"), call.__name__


def test_a_grader_outside_the_cohort_cannot_tell_a_real_cohort_from_a_made_up_one(world: World) -> None:
    real, fake = world.cohort.id, 987654
    outsider = world.other_grader
    calls: list[Callable[[int], object]] = [
        lambda c: get_cohort(world.store, outsider, c),
        lambda c: cohort_members(world.store, outsider, c),
        lambda c: cohort_dashboard(world.store, outsider, c),
        lambda c: export_sessions_csv(world.store, outsider, c),
        lambda c: export_progress_csv(world.store, outsider, c),
        lambda c: review_queue(world.store, outsider, cohort_id=c),
        lambda c: calibration_report(world.store, outsider, cohort_id=c),
    ]
    for i, call in enumerate(calls):
        real_kind, real_text = _answer(lambda call=call: call(real))
        fake_kind, fake_text = _answer(lambda call=call: call(fake))
        assert (real_kind, real_text.replace(str(real), "ID")) == (fake_kind, fake_text.replace(str(fake), "ID")), i
