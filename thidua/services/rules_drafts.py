"""Next year's rules: units propose, the cluster leader drafts, the directorate approves.

The approved rules of a year are what its cycle starts from (thidua/services/cycles.py) unless
the admin gives a rules file; once the cycle has started, its own stored rules are the record.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from models import (
    Actor,
    Campaign,
    Cluster,
    Cycle,
    MemberRole,
    Membership,
    Role,
    RulesApproval,
    RulesProposal,
    Unit,
)
from rules.config import CycleRules
from thidua.errors import Conflict, Forbidden, InvalidInput
from thidua.limits import TEXT, check_text, newlines
from thidua.services import audit
from thidua.services.access import (
    require_cluster_leader,
    require_member_officer,
    require_role,
)
from thidua.services.context import load_campaign
from thidua.services.cycles import canonical_rules, get_movement, latest_approval
from thidua.services.dry_run import DryRun, dry_run


def propose(session: Session, *, actor: Actor, campaign_id: int, text: str) -> RulesProposal:
    """A member unit's proposal for next year's criteria and scales, kept with its campaign."""
    view = load_campaign(session, campaign_id)
    unit = require_member_officer(actor, view, "đề xuất sửa tiêu chí, thang điểm năm sau")
    text = newlines(text)
    if not text.strip():
        raise InvalidInput("text", "nội dung đề xuất không được để trống")
    check_text("text", text, max_length=TEXT, multiline=True)
    assert unit.id is not None and actor.id is not None
    proposal = RulesProposal(
        campaign_id=view.id, unit_id=unit.id, actor_id=actor.id, text=text.strip()
    )
    session.add(proposal)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="rules.propose",
        campaign_id=view.id,
        entity="rulesproposal",
        entity_id=proposal.id,
        after={"unit": unit.code, "text": proposal.text},
    )
    return proposal


@dataclass(frozen=True)
class Proposed:
    unit: str
    unit_name: str
    username: str
    at: datetime
    text: str


@dataclass(frozen=True)
class Draft:
    cluster: Cluster
    year: int  # the year the draft is for
    base_year: int  # the cycle whose rules it starts from
    rules: CycleRules
    proposals: tuple[Proposed, ...]


def proposals_of(session: Session, *, actor: Actor, campaign_id: int) -> list[Proposed]:
    """The proposals kept with a campaign, oldest first: all of them for its cluster leader,
    its own unit's for an officer of a member unit."""
    view = load_campaign(session, campaign_id)
    what = "xem đề xuất sửa tiêu chí, thang điểm năm sau"
    if actor.role == Role.CLUSTER_LEADER:
        require_cluster_leader(actor, view, what)
        return _proposed(session, view.id)
    return _proposed(session, view.id, unit_id=require_member_officer(actor, view, what).id)


def _proposed(session: Session, campaign_id: int, unit_id: int | None = None) -> list[Proposed]:
    query = (
        select(RulesProposal, Unit, Actor)
        .join(Unit, col(Unit.id) == col(RulesProposal.unit_id))
        .join(Actor, col(Actor.id) == col(RulesProposal.actor_id))
        .where(RulesProposal.campaign_id == campaign_id)
        .order_by(col(RulesProposal.id))
    )
    if unit_id is not None:
        query = query.where(RulesProposal.unit_id == unit_id)
    return [
        Proposed(unit=u.code, unit_name=u.name, username=a.username, at=p.created_at, text=p.text)
        for p, u, a in session.exec(query).all()
    ]


def _leads(session: Session, actor: Actor, cluster: Cluster, years: tuple[int, ...]) -> bool:
    return (
        session.exec(
            select(Membership).where(
                Membership.cluster_id == cluster.id,
                Membership.unit_id == actor.unit_id,
                col(Membership.year).in_(years),
                Membership.role == MemberRole.LEADER,
            )
        ).first()
        is not None
    )


def draft(
    session: Session, *, actor: Actor, cluster_code: str, year: int, movement_code: str = "VANTQ"
) -> Draft:
    """The rules of the cluster's last cycle before `year`, with its units' proposals, for the
    cluster leader (of that cycle, or the one elected for `year`) to edit into a draft."""
    require_role(actor, Role.CLUSTER_LEADER, "tổng hợp dự thảo quy định năm sau")
    cluster = session.exec(select(Cluster).where(Cluster.code == cluster_code)).first()
    if cluster is None:
        raise InvalidInput("cluster", f"không có cụm thi đua mã '{cluster_code}'")
    movement = get_movement(session, movement_code)
    row = session.exec(
        select(Cycle, Campaign)
        .join(Campaign, col(Campaign.cycle_id) == col(Cycle.id))
        .where(
            Cycle.movement_id == movement.id, Cycle.year < year, Campaign.cluster_id == cluster.id
        )
        .order_by(col(Cycle.year).desc())
    ).first()
    if row is None:
        raise InvalidInput("year", f"{cluster.name} chưa có chu kỳ thi đua nào trước năm {year}")
    cycle, campaign = row
    if not _leads(session, actor, cluster, (cycle.year, year)):
        raise Forbidden(
            f"Người dùng '{actor.username}' không thuộc đơn vị Cụm trưởng {cluster.name} "
            f"năm {cycle.year} hay năm {year}, không được tổng hợp dự thảo quy định"
        )
    assert campaign.id is not None
    proposals = _proposed(session, campaign.id)
    rules = CycleRules.model_validate_json(cycle.rules_json)
    # A new year draws a new lot when its cycle starts.
    rules = rules.model_copy(update={"lot_seed": ""})
    audit.record(
        session,
        actor=actor,
        action="rules.draft",
        campaign_id=campaign.id,
        entity="cluster",
        entity_id=cluster.code,
        after={"year": year, "base_year": cycle.year, "proposals": len(proposals)},
    )
    return Draft(
        cluster=cluster,
        year=year,
        base_year=cycle.year,
        rules=rules,
        proposals=tuple(proposals),
    )


def approve(
    session: Session,
    *,
    actor: Actor,
    year: int,
    rules: CycleRules,
    against: int | None,
    movement_code: str = "VANTQ",
) -> tuple[RulesApproval, DryRun | None]:
    """The directorate approves the rules of `year`'s cycle, with the dry-run against the year
    `against` (None: the year before, when it has scored campaigns) stored with the decision."""
    require_role(actor, Role.DIRECTORATE, "phê duyệt quy định thi đua năm sau")
    movement = get_movement(session, movement_code)
    started = session.exec(
        select(Cycle).where(Cycle.year == year, Cycle.movement_id == movement.id)
    ).first()
    if started is not None:
        raise Conflict(
            f"Chu kỳ {year} · {movement.name} đã bắt đầu; quy định của chu kỳ đã cố định và "
            "không phê duyệt lại được"
        )
    rules = rules.model_copy(update={"lot_seed": ""})
    result: DryRun | None = None
    if against is not None:
        result = dry_run(session, rules=rules, year=against, movement=movement_code)
    else:
        try:
            result = dry_run(session, rules=rules, year=year - 1, movement=movement_code)
            against = year - 1
        except InvalidInput:
            result = None  # nothing scored the year before: approved without a dry-run
    text, digest = canonical_rules(rules)
    previous = latest_approval(session, year, movement)
    assert actor.id is not None and movement.id is not None
    approval = RulesApproval(
        year=year,
        movement_id=movement.id,
        version=previous.version + 1 if previous else 1,
        rules_json=text,
        rules_sha256=digest,
        against_year=against if result is not None else None,
        dry_run=result.model_dump(mode="json") if result is not None else None,
        approved_by=actor.id,
    )
    session.add(approval)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="rules.approve",
        entity="rulesapproval",
        entity_id=approval.id,
        before={"rules_sha256": previous.rules_sha256} if previous else None,
        after={
            "year": year,
            "movement": movement.code,
            "version": approval.version,
            "rules_sha256": digest,
            "against_year": approval.against_year,
            "changed_units": result.changed_units if result is not None else None,
        },
    )
    return approval, result


def stored_rules(
    session: Session, *, year: int | None, campaign_id: int | None, movement_code: str = "VANTQ"
) -> tuple[Cycle, CycleRules]:
    """The rules of a cycle exactly as stored when it started."""
    if campaign_id is not None:
        view = load_campaign(session, campaign_id)
        return view.cycle, view.rules
    movement = get_movement(session, movement_code)
    cycle = session.exec(
        select(Cycle).where(Cycle.year == year, Cycle.movement_id == movement.id)
    ).first()
    if cycle is None:
        raise InvalidInput("year", f"chưa có chu kỳ thi đua năm {year} · {movement.name}")
    return cycle, CycleRules.model_validate_json(cycle.rules_json)
