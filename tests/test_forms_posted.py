"""A web form's fields read into the shape of a YAML form and refused by the same checks, each
problem named by the input it belongs to; the running total a form shows while being filled."""

from decimal import Decimal

import pytest

from rules.defaults import default_rules
from rules.scoring import running_total
from rules.stages import Stage
from simulation.participants import Script
from simulation.synthetic import drive_in_process
from thidua.db import session_scope
from thidua.errors import InvalidInput
from thidua.forms import checks, posted
from thidua.services.context import load_campaign
from thidua.services.results import ranking_of

from .test_cli import campaign, templates  # noqa: F401 (fixtures)

SCHEME = default_rules().scheme


def test_the_running_total_counts_the_valid_lines_only() -> None:
    assert running_total(SCHEME, {}) == 0
    total = running_total(
        SCHEME,
        {"XDD1": "5", "XDD2": "4.5", "XDD3": "9", "XDLL1": "abc", "THUONG1": "1", "TRU1": " "},
    )
    assert total == Decimal("10.5")  # 9 is over XDD3's 5, abc is no number: both count 0
    assert running_total(SCHEME, {"XDD1": "2", "TRU1": "10"}) == 0  # never below zero


def test_a_posted_self_assessment_is_refused_field_by_field(campaign: int) -> None:  # noqa: F811
    form = {f"scores.{c.code}": str(c.max_points) for c in SCHEME.criteria}
    form |= {"scores.XDD1": "7", "scores.XDD2": "", "scores.THUONG1": "", "csrf_token": "x"}
    form |= {"achievements": " Hoàn thành tốt ", "evidence": "QĐ 12/2019\n\n  BC 7/2019 \n"}
    filled = posted.self_assessment(form)
    assert filled.data["evidence"] == ["QĐ 12/2019", "BC 7/2019"]
    assert filled.data["achievements"] == "Hoàn thành tốt"
    with session_scope() as s:
        view = load_campaign(s, campaign)
        with pytest.raises(InvalidInput) as exc:
            checks.check_self_assessment(view, view.unit("PTM"), filled)
    fields = {p.field: p.reason for p in exc.value.problems}
    assert fields == {"scores.XDD1": "vượt quá điểm tối đa 5", "scores.XDD2": "thiếu điểm"}
    form |= {"scores.XDD1": "5", "scores.XDD2": "5"}
    with session_scope() as s:
        view = load_campaign(s, campaign)
        data = checks.check_self_assessment(view, view.unit("PTM"), posted.self_assessment(form))
    assert data.scores["XDD1"] == "5" and data.scores["THUONG1"] is None


def test_posted_reviews_name_their_rows_in_the_grid(campaign: int) -> None:  # noqa: F811
    drive_in_process(campaign, Script(late_unit=None, returned_unit=None), until=Stage.PEER_REVIEW)
    full = {f"reviews[3].scores.{c.code}": str(c.max_points) for c in SCHEME.criteria}
    form = {
        "reviews[0].reviewee": "PHC",  # untouched: not sent
        "reviews[0].scores.XDD1": "",
        "reviews[3].reviewee": "PTC",
        **full,
        "reviews[3].scores.XDD2": "6",
        "reviews[5].reviewee": "PTM",  # its own unit
        "reviews[5].comment": "tốt",
    }
    filled, rows = posted.reviews(form)
    assert rows == [3, 5] and [r["reviewee"] for r in filled.data["reviews"]] == ["PTC", "PTM"]
    with session_scope() as s:
        view = load_campaign(s, campaign)
        with pytest.raises(InvalidInput) as exc:
            checks.check_reviews(view, view.unit("PTM"), filled)
    fields = {p.field for p in posted.in_grid(exc.value.problems, rows)}
    assert "reviews[3].scores.XDD2" in fields and "reviews[5].reviewee" in fields
    assert not any(f.startswith(("reviews[0]", "reviews[1]")) for f in fields)


def test_a_posted_ballot(campaign: int) -> None:  # noqa: F811
    drive_in_process(campaign, Script(late_unit=None, returned_unit=None), until=Stage.VOTE)
    with session_scope() as s:
        proposed = {r.unit: r.proposed_title for r in ranking_of(s, campaign) or []}
    ok = [u for u, t in proposed.items() if t and u != "PTM"][:2]
    not_proposed = "XYZ"  # no such unit, so no title proposed for it
    form = {"ballot.acclaim": "", "ballot.leader": "PTCCB", "ballot.deputy": "PTC"}
    form |= {f"ballot.titles.{ok[0]}": "yes", f"ballot.titles.{ok[1]}": ""}
    form |= {f"ballot.titles.{not_proposed}": "no", "ballot.titles.TTR": "maybe"}
    with session_scope() as s:
        view = load_campaign(s, campaign)
        with pytest.raises(InvalidInput) as exc:
            checks.check_ballot(view, view.unit("PTM"), posted.ballot(form), proposed)
    assert {p.field for p in exc.value.problems} == {
        "ballot.titles.TTR",
        f"ballot.titles.{not_proposed}",
    }
    del form["ballot.titles.TTR"], form[f"ballot.titles.{not_proposed}"]
    with session_scope() as s:
        view = load_campaign(s, campaign)
        content = checks.check_ballot(view, view.unit("PTM"), posted.ballot(form), proposed)
    assert content.acclaim is None and content.leader == "PTCCB"
    assert content.titles == {ok[0]: True}
