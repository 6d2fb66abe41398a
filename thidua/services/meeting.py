"""Who chairs, who takes the minutes, where: the cluster's voting meeting (stage 3).

The cluster leader names them when confirming the vote (`thidua confirm --chair … --secretary
…`); they are kept in that confirmation's payload (Decision.payload["meeting"]), so no table of
their own. A vote that closes at its deadline, or is confirmed without them, gets the defaults:
the commander of the leading unit chairs, its emulation officer is secretary, and the meeting
is held at the leading unit's seat.
"""

from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from models import Actor, Decision, DecisionKind, Role, StageRun
from thidua.errors import InvalidInput
from thidua.limits import TITLE, check_text
from thidua.services.context import CampaignView

if TYPE_CHECKING:
    from documents.context import Person

MEETING_FIELDS = ("chair", "chair_position", "secretary", "secretary_position", "place")


def check_meeting(meeting: dict[str, str]) -> dict[str, str]:
    """The meeting's fields as given, bounded, blanks dropped; unknown fields refused."""
    unknown = sorted(set(meeting) - set(MEETING_FIELDS))
    if unknown:
        raise InvalidInput(unknown[0], "không phải thông tin của cuộc họp")
    for name, value in meeting.items():
        check_text(name, value, max_length=TITLE)
    return {k: v.strip() for k, v in meeting.items() if v.strip()}


def _person_of(session: Session, role: Role, unit_id: int | None) -> Actor | None:
    if unit_id is None:
        return None
    return session.exec(
        select(Actor)
        .where(Actor.role == role, Actor.unit_id == unit_id, col(Actor.active))
        .order_by(col(Actor.id))
    ).first()


def unit_head(session: Session, unit_id: int | None) -> "Person":
    """The commander of a unit, who signs for it (a dotted line when it has none)."""
    from documents.context import Person

    head = _person_of(session, Role.CLUSTER_LEADER, unit_id)
    return Person(name=head.full_name if head else "", position="Thủ trưởng đơn vị")


def recorded(session: Session, run: StageRun | None) -> dict[str, str]:
    """What the confirmation of this vote run said about its meeting ({} when nothing)."""
    if run is None or run.id is None:
        return {}
    confirm = session.exec(
        select(Decision)
        .where(Decision.stage_run_id == run.id, Decision.kind == DecisionKind.CONFIRM)
        .order_by(col(Decision.id).desc())
    ).first()
    meeting = confirm.payload.get("meeting") if confirm else None
    return {str(k): str(v) for k, v in meeting.items()} if isinstance(meeting, dict) else {}


def people(
    session: Session, view: CampaignView, run: StageRun | None
) -> "tuple[Person, Person, str]":
    """Chair, secretary and place of the meeting that voted in `run`."""
    # The documents' models, imported for the minutes: confirming a stage only checks the
    # meeting (check_meeting, recorded), and every `thidua submit` imports this module.
    from documents.context import Person

    given = recorded(session, run)
    leader_id = view.leader.id if view.leader else None
    commander = _person_of(session, Role.CLUSTER_LEADER, leader_id)
    officer = _person_of(session, Role.UNIT_OFFICER, leader_id)
    chair = Person(
        name=given.get("chair", commander.full_name if commander else ""),
        position=given.get("chair_position", ""),
    )
    secretary = Person(
        name=given.get("secretary", officer.full_name if officer else ""),
        position=given.get("secretary_position", ""),
    )
    host = view.leader.name if view.leader else view.cluster.name
    return chair, secretary, given.get("place", f"Trụ sở {host}")
