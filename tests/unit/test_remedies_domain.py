"""Pure remedy rules: transitions per role, required fields, suggestions, merge maths."""

from datetime import date

import pytest

from walkapp.domain import remedies as rd
from walkapp.domain.errors import PermissionDenied, ValidationError

COORD = rd.Who("koordinator", org_id=1)
ADMIN = rd.Who("admin", org_id=1)
OWNER = rd.Who("inspektoer", org_id=7)
STRANGER = rd.Who("inspektoer", org_id=8)
PLANNER = rd.Who("planlaegger", org_id=1)
LEADER = rd.Who("vandringsleder", org_id=3)
GUEST = rd.Who(None)
CONTRACTOR = rd.Who(rd.CONTRACTOR, contractor_remedy_id=5)


def check(who, frm, to, comment="ok", photo=True, remedy_id=5, owner=7):
    rd.check_transition(frm, to, who, remedy_id, owner, comment, photo)


@pytest.mark.parametrize("frm,to", list(rd.TRANSITIONS))
def test_coordinator_may_make_every_listed_move(frm, to):
    check(COORD, frm, to)
    check(ADMIN, frm, to)


@pytest.mark.parametrize("who", [PLANNER, LEADER, GUEST, STRANGER])
@pytest.mark.parametrize("frm,to", list(rd.TRANSITIONS))
def test_readers_and_strangers_may_make_no_move(who, frm, to):
    with pytest.raises(PermissionDenied):
        check(who, frm, to)


def test_owner_works_the_task_but_does_not_approve_or_verify():
    check(OWNER, "tildelt", "i_gang")
    check(OWNER, "i_gang", "udfoert")
    check(OWNER, "tildelt", "ikke_vores_ansvar")
    for frm, to in [("foreslaaet", "godkendt"), ("udfoert", "verificeret"),
                    ("godkendt", "tildelt")]:
        with pytest.raises(PermissionDenied):
            check(OWNER, frm, to)


def test_contractor_only_marks_its_own_remedy_done():
    check(CONTRACTOR, "i_gang", "udfoert")
    with pytest.raises(PermissionDenied):
        check(CONTRACTOR, "i_gang", "ikke_vores_ansvar")
    with pytest.raises(PermissionDenied):
        check(CONTRACTOR, "i_gang", "udfoert", remedy_id=6)


def test_unknown_and_impossible_moves_are_422_on_to():
    for to in ("bogus", "verificeret"):
        with pytest.raises(ValidationError) as exc:
            check(COORD, "foreslaaet", to)
        assert exc.value.field == "to"


@pytest.mark.parametrize("to", sorted(rd.REQUIRES_COMMENT))
def test_refusals_need_a_reason(to):
    frm = "tildelt"
    with pytest.raises(ValidationError) as exc:
        check(COORD, frm, to, comment=" ")
    assert exc.value.field == "comment"


def test_done_needs_a_photo():
    with pytest.raises(ValidationError) as exc:
        check(OWNER, "i_gang", "udfoert", photo=False)
    assert exc.value.field == "photo"


def test_overdue_only_while_unfinished():
    today = date(2026, 11, 22)
    assert rd.is_overdue("tildelt", date(2026, 11, 21), today)
    assert not rd.is_overdue("tildelt", date(2026, 11, 22), today)
    assert not rd.is_overdue("udfoert", date(2026, 1, 1), today)
    assert not rd.is_overdue("tildelt", None, today)


def test_deadline_in_the_past_names_the_field():
    with pytest.raises(ValidationError) as exc:
        rd.check_deadline(date(2026, 11, 21), date(2026, 11, 22))
    assert exc.value.field == "deadline"
    rd.check_deadline(date(2026, 11, 22), date(2026, 11, 22))


def test_template_suggestions_rank_by_categories():
    codes = [t.code for t in rd.suggest_templates(["PAR"])]
    assert codes[:2] == ["OVB-FLYT", "PAR-SYN"]
    assert rd.suggest_templates(["GOD"]) == []
    assert rd.suggest_templates(["LYS", "BEV"])[0].code == "LYS-REP"


def test_owner_suggestion():
    assert rd.suggest_owner_kind(["LYS"], True) == "kommune"
    assert rd.suggest_owner_kind(["BEV"], True) == "area"
    assert rd.suggest_owner_kind(["BEV"], False) == "kommune"
    assert rd.suggest_owner_kind(["ADF"], True) == "politi"


def test_merge_suggestions_grid_boundaries_and_categories():
    pts = [rd.MergePoint(1, 0, 0, frozenset({"LYS"})),
           rd.MergePoint(2, 14.9, 0, frozenset({"LYS", "BEV"})),  # next grid cell
           rd.MergePoint(3, 15.1 + 14.9, 0, frozenset({"LYS"})),  # 15.2 from 2
           rd.MergePoint(4, 0, 3, frozenset({"GOD"}))]  # close, but GOD is no problem
    got = rd.merge_suggestions(pts, 15)
    assert [(s.a, s.b, s.shared) for s in got] == [(1, 2, ("LYS",))]


def test_catalogue_is_complete():
    assert len([p for p in rd.PRINCIPLES if p.family == "dkr"]) == 8
    assert {p.code for p in rd.PRINCIPLES if p.family == "cpted"} >= {"NS", "AC", "TR", "MI",
                                                                      "AS", "TH"}
    principle_codes = {p.code for p in rd.PRINCIPLES}
    for t in rd.TEMPLATES:
        assert set(t.principles) <= principle_codes, t.code
        assert t.title_da and t.title_en and t.target_da and t.target_en
