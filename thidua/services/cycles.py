"""Starting a yearly cycle: its rules are fixed and stored, one campaign per cluster is created."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from models import (
    Actor,
    Campaign,
    Cluster,
    Cycle,
    MemberRole,
    Membership,
    Movement,
    Role,
    RulesApproval,
)
from rules.config import CycleRules
from rules.defaults import default_rules
from thidua.errors import Conflict, InvalidInput, NotFound
from thidua.services import audit
from thidua.services.access import require_role
from thidua.settings import get_settings


@dataclass(frozen=True)
class StartedCampaign:
    campaign_id: int
    cluster_code: str
    run_name: str
    tags: tuple[str, ...]
    launch_key: str  # Prefect's idempotency key for the campaign's run (see `launch_key`)


def canonical_rules(rules: CycleRules) -> tuple[str, str]:
    text = rules.model_dump_json()
    return text, hashlib.sha256(text.encode()).hexdigest()


def start_cycle(
    session: Session,
    *,
    actor: Actor,
    year: int,
    movement_code: str,
    cluster_codes: list[str],
    rules: CycleRules | None = None,
) -> tuple[Cycle, list[StartedCampaign]]:
    """Idempotent: starting the same cycle again adds only clusters it does not have yet."""
    require_role(actor, Role.ADMIN, "bắt đầu chu kỳ thi đua")
    if not 2000 <= year <= 2100:
        raise InvalidInput("year", "năm phải trong khoảng 2000..2100")
    if not cluster_codes:
        raise InvalidInput("clusters", "phải chọn ít nhất một cụm thi đua")
    movement = session.exec(select(Movement).where(Movement.code == movement_code)).first()
    if movement is None:
        raise InvalidInput("movement", f"không có phong trào thi đua mã '{movement_code}'")
    clusters = []
    for code in dict.fromkeys(cluster_codes):
        cluster = session.exec(select(Cluster).where(Cluster.code == code)).first()
        if cluster is None:
            raise InvalidInput("clusters", f"không có cụm thi đua mã '{code}'")
        members = session.exec(
            select(Membership).where(Membership.cluster_id == cluster.id, Membership.year == year)
        ).all()
        if len(members) < 3:
            raise InvalidInput("clusters", f"{cluster.name} có dưới 3 đơn vị thành viên năm {year}")
        if not any(m.role == MemberRole.LEADER for m in members):
            raise InvalidInput("clusters", f"{cluster.name} chưa có đơn vị Cụm trưởng năm {year}")
        clusters.append(cluster)

    cycle = session.exec(
        select(Cycle).where(Cycle.year == year, Cycle.movement_id == movement.id)
    ).first()
    if cycle is None:
        # Unless the admin gives a file, the rules the directorate approved for the year.
        approval = None if rules is not None else latest_approval(session, year, movement)
        if approval is not None:
            rules = CycleRules.model_validate_json(approval.rules_json)
        rules = rules or default_rules()
        if not rules.lot_seed:
            # The lot is drawn once, here, and recorded with the rules: a tie is then
            # broken the same way by every re-count.
            rules = rules.model_copy(update={"lot_seed": secrets.token_hex(8)})
        text, digest = canonical_rules(rules)
        assert actor.id is not None and movement.id is not None
        cycle = Cycle(
            year=year,
            movement_id=movement.id,
            rules_json=text,
            rules_sha256=digest,
            started_by=actor.id,
        )
        session.add(cycle)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="cycle.start",
            entity="cycle",
            entity_id=cycle.id,
            after={
                "year": year,
                "movement": movement.code,
                "rules_sha256": digest,
                # Which approved rules the cycle started from, if no file was given.
                "approved_version": approval.version if approval is not None else None,
            },
        )
    elif rules is not None and canonical_rules(rules)[1] != cycle.rules_sha256:
        stored = CycleRules.model_validate_json(cycle.rules_json)
        if rules.model_copy(update={"lot_seed": stored.lot_seed}) != stored:
            raise Conflict(
                f"Chu kỳ {year} · {movement.name} đã bắt đầu với quy định khác; quy định của "
                "chu kỳ được cố định khi bắt đầu và không đổi ngầm"
            )
    started = []
    for cluster in clusters:
        campaign = session.exec(
            select(Campaign).where(Campaign.cycle_id == cycle.id, Campaign.cluster_id == cluster.id)
        ).first()
        if campaign is None:
            assert cycle.id is not None and cluster.id is not None
            campaign = Campaign(cycle_id=cycle.id, cluster_id=cluster.id)
            session.add(campaign)
            session.flush()
            audit.record(
                session,
                actor=actor,
                action="campaign.create",
                campaign_id=campaign.id,
                entity="campaign",
                entity_id=campaign.id,
                after={"cluster": cluster.code, "year": year},
            )
        assert campaign.id is not None
        started.append(
            StartedCampaign(
                campaign_id=campaign.id,
                cluster_code=cluster.code,
                run_name=f"{year} · {cluster.name} · {movement.name}",
                tags=(
                    "thidua",
                    f"năm:{year}",
                    f"cụm:{cluster.code}",
                    f"phong-trào:{movement.code}",
                ),
                launch_key=launch_key(cycle, campaign.id),
            )
        )
    return cycle, started


def launch_key(cycle: Cycle, campaign_id: int) -> str:
    """The idempotency key of a campaign's run: the same for every retry of its launch, and
    another for another installation sharing the Prefect server, or this one's database made
    anew (a second `thidua demo`): campaign ids start at 1 again there, the cycle's start time
    to the microsecond does not."""
    started = cycle.started_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"thidua-campaign-{campaign_id}-{started}"


def this_year() -> int:
    """The current year in the organisation's time zone (a cycle scheduled for 1 November)."""
    return datetime.now(get_settings().tz).year


def cycle_run_name(year: int | None, movement: str) -> str:
    """How the yearly cycle's Prefect run is named, in the UI and in what the CLI prints."""
    return f"Chu kỳ thi đua {year or this_year()} · {movement}"


def clusters_of_year(session: Session, year: int) -> list[str]:
    """Codes of every cluster that has member units in `year`: what a scheduled cycle starts."""
    return list(
        session.exec(
            select(Cluster.code)
            .join(Membership, col(Membership.cluster_id) == col(Cluster.id))
            .where(Membership.year == year)
            .distinct()
            .order_by(col(Cluster.code))
        ).all()
    )


def get_movement(session: Session, code: str) -> Movement:
    movement = session.exec(select(Movement).where(Movement.code == code)).first()
    if movement is None:
        raise NotFound(f"Không có phong trào thi đua mã '{code}'")
    return movement


def latest_approval(session: Session, year: int, movement: Movement) -> RulesApproval | None:
    """The directorate's latest approval of rules for the year's cycle (thidua rules approve)."""
    return session.exec(
        select(RulesApproval)
        .where(RulesApproval.year == year, RulesApproval.movement_id == movement.id)
        .order_by(col(RulesApproval.version).desc())
    ).first()
