"""Walk and spot services on both databases."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import (
    INSIDE,
    actor_for,
    jpeg_bytes,
    make_guest,
    make_user,
    make_walk,
    spot_form,
)
from walkapp.domain.actor import Actor
from walkapp.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from walkapp.photos.processing import process
from walkapp.photos.store import FileStore
from walkapp.services import spots, walks


def _input(**kw):
    form = spot_form(**kw)
    cats = form.pop("categories")
    return spots.parse_spot_input(form, cats, ["LYS", "BEV", "GOD"], spots.Limits())


def _add(session, actor, walk, tmp_path, photos=(), **kw):
    return spots.add_spot(
        session,
        actor,
        walk,
        _input(**kw),
        list(photos),
        FileStore(tmp_path / "photos"),
        spots.Limits(),
    )


def test_only_coordinators_plan_walks(session):
    leader = make_user(session, "vandringsleder")
    with pytest.raises(PermissionDenied):
        make_walk(session, coordinator=leader)


def test_join_is_idempotent_for_a_guest(session):
    walk = make_walk(session)
    p, actor = make_guest(session, walk)
    again = walks.join_walk(session, actor, walk, "Other", "beboer")
    assert again.id == p.id


def test_expired_join_code_is_not_found(session):
    walk = make_walk(session, starts_at=datetime.now(UTC) - timedelta(days=30))
    with pytest.raises(NotFound):
        walks.walk_by_code(session, walk.join_code, valid_days_after=7)
    assert walks.walk_by_code(session, walk.join_code, valid_days_after=60).id == walk.id


def test_spot_with_photos_is_all_or_nothing(session, tmp_path):
    walk = make_walk(session)
    _, guest = make_guest(session, walk)
    photo = process(jpeg_bytes(), max_bytes=10**7, max_pixels=10**8)
    result = _add(session, guest, walk, tmp_path, [photo])
    assert result.created and len(result.spot.photos) == 1
    files = [f for f in (tmp_path / "photos").rglob("*") if f.is_file()]
    assert len(files) == len(photo.files)  # every rendition, once


def test_failed_commit_removes_written_files(session, tmp_path, monkeypatch):
    walk = make_walk(session)
    _, guest = make_guest(session, walk)
    photo = process(jpeg_bytes(color=(1, 2, 3)), max_bytes=10**7, max_pixels=10**8)

    def boom():
        raise RuntimeError("database went away")

    monkeypatch.setattr(session, "commit", boom)
    with pytest.raises(RuntimeError):
        _add(session, guest, walk, tmp_path, [photo])
    assert [f for f in (tmp_path / "photos").rglob("*") if f.is_file()] == []


def test_participant_cannot_edit_anothers_spot(session, tmp_path):
    walk = make_walk(session)
    _, anna = make_guest(session, walk, "Anna")
    _, bo = make_guest(session, walk, "Bo")
    spot = _add(session, anna, walk, tmp_path).spot
    with pytest.raises(PermissionDenied):
        spots.update_spot(session, bo, spot, _input(note="mine now"), spots.Limits())
    spots.update_spot(session, anna, spot, _input(note="rettet"), spots.Limits())
    assert spot.note == "rettet"


def test_stale_version_conflicts(session, tmp_path):
    walk = make_walk(session)
    _, anna = make_guest(session, walk)
    spot = _add(session, anna, walk, tmp_path).spot
    seen = spot.version
    spots.update_spot(session, anna, spot, _input(note="first"), spots.Limits(), version=seen)
    session.commit()
    with pytest.raises(Conflict):
        spots.update_spot(session, anna, spot, _input(note="second"), spots.Limits(), version=seen)


def test_leader_hides_and_guest_no_longer_sees(session, tmp_path):
    leader = make_user(session, "vandringsleder")
    walk = make_walk(session, leader_id=leader.id)
    _, anna = make_guest(session, walk)
    spot = _add(session, anna, walk, tmp_path).spot
    with pytest.raises(PermissionDenied):
        spots.set_hidden(session, anna, spot, True)
    spots.set_hidden(session, actor_for(leader), spot, True)
    session.commit()
    assert spots.query_spots(session, anna, spots.SpotFilter(walk_id=walk.id)) == []
    assert (
        len(spots.query_spots(session, actor_for(leader), spots.SpotFilter(walk_id=walk.id))) == 1
    )


def test_police_only_spots_hidden_from_planner_and_other_guests(session, tmp_path):
    walk = make_walk(session)
    _, anna = make_guest(session, walk)
    _, bo = make_guest(session, walk, "Bo")
    _add(session, anna, walk, tmp_path, visibility="politi")
    session.commit()
    planner = actor_for(make_user(session, "planlaegger"))
    police = actor_for(make_user(session, "vandringsleder", org="Politi", org_kind="politi"))
    coordinator = actor_for(make_user(session, "koordinator"))
    f = spots.SpotFilter(walk_id=walk.id)
    assert len(spots.query_spots(session, anna, f)) == 1  # her own spot
    assert spots.query_spots(session, bo, f) == []
    assert spots.query_spots(session, planner, f) == []
    assert len(spots.query_spots(session, coordinator, f)) == 1
    assert spots.query_spots(session, police, f) == []  # police see it on walks they lead/join


def test_anonymous_sees_nothing(session, tmp_path):
    walk = make_walk(session)
    _, anna = make_guest(session, walk)
    _add(session, anna, walk, tmp_path)
    session.commit()
    assert spots.query_spots(session, Actor(), spots.SpotFilter()) == []


def test_filters_by_category_kind_and_light(session, tmp_path):
    walk = make_walk(session)
    _, anna = make_guest(session, walk)
    _add(session, anna, walk, tmp_path, categories=["LYS"], kind="utryg")
    _add(session, anna, walk, tmp_path, categories=["GOD"], kind="tryg", light="dagslys")
    session.commit()
    coord = actor_for(make_user(session, "koordinator"))
    q = lambda **kw: spots.query_spots(session, coord, spots.SpotFilter(**kw))  # noqa: E731
    assert [s.kind for s in q(categories=["GOD"])] == ["tryg"]
    assert [s.kind for s in q(kind="utryg")] == ["utryg"]
    assert [s.light for s in q(light="dagslys")] == ["dagslys"]
    assert (
        len(q(bbox=(INSIDE[1] - 0.001, INSIDE[0] - 0.001, INSIDE[1] + 0.001, INSIDE[0] + 0.001)))
        == 2
    )
    assert q(bbox=(12.0, 55.0, 12.1, 55.1)) == []


def test_far_spot_rejected(session, tmp_path):
    walk = make_walk(session)
    _, anna = make_guest(session, walk)
    with pytest.raises(ValidationError) as err:
        _add(session, anna, walk, tmp_path, lat=55.75, lon=12.35)
    assert err.value.field == "lat"
