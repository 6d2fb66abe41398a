"""Prerequisites over past years count the titles the council awarded, not those nominated."""

from sqlmodel import Session, select

from models import (
    Actor,
    Campaign,
    Cluster,
    CouncilDecision,
    CouncilOutcome,
    Cycle,
    Movement,
    Nomination,
    NominationStatus,
    TitleHistory,
    Unit,
)
from rules.config import Prerequisite
from rules.defaults import TITLE_QUYET_THANG as QT
from rules.defaults import default_rules
from rules.eligibility import nominate
from thidua.db import create_schema, session_scope
from thidua.sample import COUNCIL, load_sample
from thidua.services.council import past_titles

from .unit.test_eligibility import make_ranking

FLAG = "Cờ thi đua của Bộ Công an"
UNIT = "PTCCB"


def _nominate_years(s: Session, outcomes: dict[int, CouncilOutcome | None]) -> dict[str, int]:
    """PTCCB nominated for QT in each year, with the council's outcome (None: not decided)."""
    unit = s.exec(select(Unit).where(Unit.code == UNIT)).one()
    cluster = s.exec(select(Cluster)).first()
    movement = s.exec(select(Movement)).first()
    council = s.exec(select(Actor).where(Actor.username == COUNCIL[0])).one()
    assert unit.id and cluster and cluster.id and movement and movement.id and council.id
    for year, outcome in outcomes.items():
        cycle = Cycle(
            year=year, movement_id=movement.id, rules_json="{}", rules_sha256="-", started_by=1
        )
        s.add(cycle)
        s.flush()
        assert cycle.id
        campaign = Campaign(cycle_id=cycle.id, cluster_id=cluster.id)
        s.add(campaign)
        s.flush()
        assert campaign.id
        n = Nomination(
            campaign_id=campaign.id,
            unit_id=unit.id,
            title=QT,
            score=90,
            rank=1,
            eligible=True,
            status=NominationStatus.SUBMITTED,
        )
        s.add(n)
        # As stage 5 records it today: the approved title goes into the history.
        s.add(TitleHistory(unit_id=unit.id, year=year, title=QT))
        s.flush()
        assert n.id
        if outcome is not None:
            s.add(
                CouncilDecision(
                    nomination_id=n.id,
                    outcome=outcome,
                    decision_no="1/QĐ" if outcome == CouncilOutcome.AWARDED else None,
                    reason="" if outcome == CouncilOutcome.AWARDED else "lý do",
                    actor_id=council.id,
                )
            )
    s.flush()
    return {UNIT: unit.id}


def _flag_for_ptccb(held: dict, pending: dict) -> tuple[bool, tuple[str, ...]]:
    rules = default_rules().model_copy(
        update={"prerequisites": (Prerequisite(title=FLAG, requires=QT, years=3),)}
    )
    # Only its unit and rank matter to eligibility: the rest is borrowed from the unit tests.
    ranking = [r.model_copy(update={"unit": UNIT, "rank": 1}) for r in make_ranking(rules)[:1]]
    [c] = nominate(
        rules, year=2019, ranking=ranking, approved_titles={UNIT: FLAG}, acclaimed=None,
        history=held, pending=pending,
    )  # fmt: skip
    return c.eligible, c.reasons


def test_three_years_awarded_make_the_unit_eligible(database_url: str) -> None:
    create_schema()
    awarded = CouncilOutcome.AWARDED
    with session_scope() as s:
        load_sample(s)
        ids = _nominate_years(s, {2016: awarded, 2017: awarded, 2018: awarded})
        past = past_titles(s, ids, 2019)
    assert all(QT in past.held[UNIT][y] for y in (2016, 2017, 2018))  # 2018 has one imported
    assert _flag_for_ptccb(past.held, past.pending) == (True, ())


def test_a_title_nominated_but_not_awarded_does_not_count(database_url: str) -> None:
    create_schema()
    with session_scope() as s:
        load_sample(s)
        ids = _nominate_years(
            s,
            {
                2016: CouncilOutcome.AWARDED,
                2017: CouncilOutcome.NOT_AWARDED,
                2018: CouncilOutcome.AWARDED,
            },
        )
        past = past_titles(s, ids, 2019)
    eligible, reasons = _flag_for_ptccb(past.held, past.pending)
    assert not eligible and "thiếu năm 2017" in reasons[0]


def test_a_title_still_before_the_council_counts_with_a_note(database_url: str) -> None:
    create_schema()
    with session_scope() as s:
        load_sample(s)
        ids = _nominate_years(
            s, {2016: CouncilOutcome.AWARDED, 2017: CouncilOutcome.AWARDED, 2018: None}
        )
        past = past_titles(s, ids, 2019)
    assert past.pending[UNIT] == {2018: {QT}}
    eligible, reasons = _flag_for_ptccb(past.held, past.pending)
    assert eligible and "Tạm tính" in reasons[0] and "2018" in reasons[0]


def test_imported_history_counts_as_awarded(database_url: str) -> None:
    """Titles from before thidua (TitleHistory with no nomination) were awarded on paper."""
    create_schema()
    with session_scope() as s:
        load_sample(s)
        ids = _nominate_years(s, {2017: CouncilOutcome.AWARDED, 2018: CouncilOutcome.AWARDED})
        s.add(TitleHistory(unit_id=ids[UNIT], year=2016, title=QT))
        s.flush()
        past = past_titles(s, ids, 2019)
    assert _flag_for_ptccb(past.held, past.pending) == (True, ())
