"""Notifications: who hears what, rendered once and written to the outbox with the event.

Every function here runs in the caller's transaction and touches no network: a message exists
exactly when the event that causes it was committed (a rolled-back stage leaves no message).
Its idempotency key is derived from the cause, ``<event>:<cause>:<actor>:<channel>`` (the cause
is the stage run, or the returned self-assessment), and a key already taken is skipped, so a
retried stage task or a resumed campaign never enqueues twice. thidua/delivery.py sends them.

Who hears what (each person only what concerns their role and unit):

================== ============================ =============================================
event              when                         who
================== ============================ =============================================
stage_opened       stage 1–3 opens              officers of the member units
decision_requested stage 4 opens                the directorate
reminder           ``reminder_before`` the      officers of the units still missing (their own
                   deadline (at most half the   unit only); the directorate in stage 4
                   stage), stage still open
overdue            the deadline passed, stage   the same, and the cluster leader with the list
                   still open                   of what is missing
returned           a self-assessment returned   that unit's officers
stage_closed       stage 1–4 closes             officers and the cluster leader
campaign_finished  stage 5 closes               officers and the cluster leader
nominations_filed  stage 5 closes               directorate and cluster leader (every
                                                nomination); officers (their unit's only)
================== ============================ =============================================

Messages carry results (scores, tallies, titles), never a ballot: the vote's messages are built
from the tally, which links no ballot to its voter.

Templates (the project's one Jinja2 environment): ``messages/<event>/<lang>/subject.txt.j2``,
``body.txt.j2`` and ``body.html.j2`` (autoescaped), and ``messages/webhook.json.j2`` (the JSON a
webhook receives). Every message template gets ``lang``, ``event``, ``recipient`` (full_name,
username, role: officer | leader | directorate), ``unit`` (code, name; or None), ``campaign``
(id, name, year, cluster, movement), ``stage`` (number, key, attempt; or None), ``due`` (the
deadline as a naive datetime in ``settings.tz``, or None), ``tz`` (e.g. ``UTC+07:00``) and
``link`` (the campaign's run in the Prefect UI, or ""); the event's own variables are listed at
the functions that enqueue it. The language is the person's (``Actor.language``), Vietnamese by
default.
"""

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models import (
    Actor,
    Campaign,
    CampaignStatus,
    Channel,
    ChannelKind,
    OutboxMessage,
    OutboxStatus,
    PeerReview,
    Role,
    SelfAssessment,
    StageRun,
    SubmissionStatus,
    Unit,
)
from models.types import utcnow
from rules.stages import Stage
from thidua.services.context import CampaignView, load_campaign
from thidua.services.deadlines import unit_due
from thidua.services.progress import progress
from thidua.services.results import outcome_of, vote_of
from thidua.settings import get_settings
from thidua.templating import render

log = logging.getLogger(__name__)

LANGUAGES = ("vi", "en")
OFFICER_STAGES = (Stage.SELF_ASSESSMENT, Stage.PEER_REVIEW, Stage.VOTE)
EVENTS = (
    "stage_opened",
    "decision_requested",
    "reminder",
    "overdue",
    "returned",
    "stage_closed",
    "campaign_finished",
    "nominations_filed",
)


@dataclass(frozen=True)
class Recipient:
    actor: Actor
    role: str  # officer | leader | directorate
    unit: Unit | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)  # this person's own variables


@dataclass(frozen=True)
class Rendered:
    subject: str
    body_text: str
    body_html: str
    payload_json: str | None


def language_of(actor: Actor) -> str:
    return actor.language if actor.language in LANGUAGES else "vi"


def local_naive(value: datetime) -> datetime:
    """An aware datetime as wall-clock time in settings.tz (the templates' filters take naive
    datetimes as local time)."""
    return value.astimezone(get_settings().tz).replace(tzinfo=None)


def utc_offset(value: datetime) -> str:
    offset = value.astimezone(get_settings().tz).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def render_message(event: str, lang: str, context: Mapping[str, Any], *, webhook: bool) -> Rendered:
    """Subject, plain text, HTML and (for a webhook) the JSON body of one message."""
    folder = f"messages/{event}/{lang}/"
    subject = " ".join(render(folder + "subject.txt.j2", **context).split())
    ctx = {**context, "subject": subject}
    text = render(folder + "body.txt.j2", **ctx)
    html = render(folder + "body.html.j2", **ctx)
    payload = None
    if webhook:
        payload = render("messages/webhook.json.j2", **ctx, body_text=text)
        json.loads(payload)  # a broken template must fail here, not at the receiver
    return Rendered(subject=subject, body_text=text, body_html=html, payload_json=payload)


def next_digest_at(now: datetime) -> datetime:
    """The next daily digest time (settings.digest_hour, local time) after `now`."""
    settings = get_settings()
    local = now.astimezone(settings.tz)
    at = local.replace(hour=settings.digest_hour, minute=0, second=0, microsecond=0)
    if at <= local:
        at += timedelta(days=1)
    return at.astimezone(UTC)


def _campaign_context(view: CampaignView, run: StageRun | None) -> dict[str, Any]:
    from thidua.orchestration import ui_url  # the Prefect API client, only when needed

    flow_run_id = view.campaign.flow_run_id
    due = run.due_at if run is not None else None
    return {
        "campaign": {
            "id": view.id,
            "name": view.run_name,
            "year": view.year,
            "cluster": view.cluster.name,
            "movement": view.movement.name,
        },
        "stage": (
            {"number": run.stage.number, "key": run.stage.value, "attempt": run.attempt}
            if run is not None
            else None
        ),
        "due": local_naive(due) if due else None,
        "due_at_utc": due.astimezone(UTC).isoformat() if due else None,
        "tz": utc_offset(due or utcnow()),
        "link": ui_url(flow_run_id) if flow_run_id else "",
    }


def enqueue(
    session: Session,
    *,
    event: str,
    view: CampaignView,
    recipients: Sequence[Recipient],
    cause: str,
    context: Mapping[str, Any] | None = None,
    run: StageRun | None = None,
) -> int:
    """Write one message per recipient and active channel, unless its key is already taken.

    Runs in the caller's transaction. A template that fails to render stores the message as
    failed with the error (shown by `thidua status`); it never fails the event. Returns the
    number of messages written.
    """
    settings = get_settings()
    if not settings.notifications_enabled or not recipients:
        return 0
    seen: set[int] = set()
    people: list[Recipient] = []
    for r in recipients:
        assert r.actor.id is not None
        if r.actor.active and r.actor.id not in seen:
            seen.add(r.actor.id)
            people.append(r)
    channels: dict[int, list[Channel]] = {}
    for ch in session.exec(
        select(Channel)
        .where(col(Channel.actor_id).in_(seen), col(Channel.active).is_(True))
        .order_by(col(Channel.id))
    ).all():
        channels.setdefault(ch.actor_id, []).append(ch)
    planned = [
        (r, ch, f"{event}:{cause}:{r.actor.id}:{ch.id}")
        for r in people
        for ch in channels.get(r.actor.id or 0, [])
    ]
    if not planned:
        return 0
    taken = set(
        session.exec(
            select(OutboxMessage.idempotency_key).where(
                col(OutboxMessage.idempotency_key).in_([k for _, _, k in planned])
            )
        ).all()
    )
    base = {**_campaign_context(view, run), **(context or {}), "event": event}
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for r, ch, key in planned:
        if key in taken:
            continue
        assert r.actor.id is not None and ch.id is not None
        lang = language_of(r.actor)
        ctx = {
            **base,
            **r.extra,
            "lang": lang,
            "key": key,
            "recipient": {
                "full_name": r.actor.full_name,
                "username": r.actor.username,
                "role": r.role,
            },
            "unit": {"code": r.unit.code, "name": r.unit.name} if r.unit else None,
        }
        status, error = OutboxStatus.PENDING, None
        try:
            msg = render_message(event, lang, ctx, webhook=ch.kind == ChannelKind.WEBHOOK)
        except Exception as exc:
            log.exception("Không dựng được thông báo %s (%s)", key, lang)
            msg = Rendered(
                subject=f"[thidua] {event}", body_text="", body_html="", payload_json=None
            )
            status, error = OutboxStatus.FAILED, f"lỗi mẫu thông báo: {exc}"[:500]
        digest = ch.digest and ch.kind == ChannelKind.EMAIL
        rows.append(
            dict(
                idempotency_key=key,
                actor_id=r.actor.id,
                channel_id=ch.id,
                channel_kind=ch.kind,
                event=event,
                campaign_id=view.id,
                language=lang,
                subject=msg.subject,
                body_text=msg.body_text,
                body_html=msg.body_html or None,
                payload_json=msg.payload_json,
                digest=digest,
                status=status,
                last_error=error,
                next_attempt_at=next_digest_at(now) if digest else now,
                created_at=now,
            )
        )
    return _insert(session, rows)


def _insert(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert the messages, skipping any whose key a concurrent retry took meanwhile."""
    try:
        with session.begin_nested():
            session.add_all(OutboxMessage(**row) for row in rows)
            session.flush()
        return len(rows)
    except IntegrityError:
        pass
    written = 0
    for row in rows:
        try:
            with session.begin_nested():
                session.add(OutboxMessage(**row))
                session.flush()
            written += 1
        except IntegrityError:
            continue  # a concurrent retry of the same cause wrote it first
    return written


# ---------------------------------------------------------------- recipients


def _actors(session: Session, role: Role, unit_ids: Sequence[int | None] | None) -> list[Actor]:
    stmt = select(Actor).where(Actor.role == role, col(Actor.active).is_(True))
    if unit_ids is not None:
        stmt = stmt.where(col(Actor.unit_id).in_([u for u in unit_ids if u is not None]))
    return list(session.exec(stmt.order_by(col(Actor.id))).all())


def officers(
    session: Session, view: CampaignView, units: Sequence[Unit] | None = None
) -> list[Recipient]:
    """The unit officers of `units` (default: every member unit), each with their unit."""
    units = view.members if units is None else units
    by_id = {u.id: u for u in units}
    return [
        Recipient(a, "officer", by_id[a.unit_id])
        for a in _actors(session, Role.UNIT_OFFICER, list(by_id))
    ]


def cluster_leaders(session: Session, view: CampaignView) -> list[Recipient]:
    if view.leader is None:
        return []
    return [
        Recipient(a, "leader", view.leader)
        for a in _actors(session, Role.CLUSTER_LEADER, [view.leader.id])
    ]


def directorate(session: Session) -> list[Recipient]:
    return [Recipient(a, "directorate") for a in _actors(session, Role.DIRECTORATE, None)]


# ---------------------------------------------------------------- the events


def _names(view: CampaignView) -> dict[str, str]:
    return {u.code: u.name for u in view.members}


def stage_opened(session: Session, view: CampaignView, run: StageRun) -> int:
    """Stage 1–3: `stage_opened` to the officers. Stage 4: `decision_requested` to the
    directorate, with ``vote`` (ballots_cast, members, quorum_met, acclaimed, leader, deputy)
    and ``titles`` (unit, title, yes, required, approved). Stage 5 closes by itself: nothing."""
    assert run.id is not None
    if run.stage in OFFICER_STAGES:
        return enqueue(
            session,
            event="stage_opened",
            view=view,
            run=run,
            recipients=officers(session, view),
            cause=str(run.id),
        )
    if run.stage != Stage.APPROVAL:
        return 0
    vote = vote_of(session, view.id)
    names = _names(view)
    context: dict[str, Any] = {"vote": None, "titles": []}
    if vote is not None:
        context = {
            "vote": {
                "ballots_cast": vote.ballots_cast,
                "members": vote.members,
                "quorum_met": vote.quorum_met,
                "acclaimed": names.get(vote.acclaim.winner or ""),
                "leader": names.get(vote.leader.winner or ""),
                "deputy": names.get(vote.deputy.winner or ""),
            },
            "titles": [
                {
                    "unit": names.get(t.unit, t.unit),
                    "title": t.title,
                    "yes": t.yes,
                    "required": t.required,
                    "approved": t.approved,
                }
                for t in vote.titles
            ],
        }
    return enqueue(
        session,
        event="decision_requested",
        view=view,
        run=run,
        recipients=directorate(session),
        cause=str(run.id),
        context=context,
    )


def _stage_result(view: CampaignView, run: StageRun) -> dict[str, Any]:
    """What a closed stage decided, in the shape the stage_closed templates read."""
    names = _names(view)
    raw: dict[str, Any] = dict(run.result_json or {})
    if run.stage == Stage.SELF_ASSESSMENT:
        return {
            "submitted": [names.get(c, c) for c in raw.get("submitted", [])],
            "missing": [names.get(c, c) for c in raw.get("missing", [])],
        }
    if run.stage == Stage.PEER_REVIEW:
        return {
            "ranking": [
                {
                    "rank": r["rank"],
                    "unit": names.get(r["unit"], r["unit"]),
                    "consolidated": Decimal(str(r["consolidated"])),
                    "proposed_title": r.get("proposed_title"),
                    "gap_flagged": bool(r.get("gap_flagged")),
                }
                for r in raw.get("ranking", [])
            ]
        }
    if run.stage == Stage.VOTE:
        vote = raw.get("vote") or {}

        def winner(key: str) -> str | None:
            code = (vote.get(key) or {}).get("winner")
            return names.get(code, code) if code else None

        return {
            "ballots_cast": vote.get("ballots_cast", 0),
            "members": vote.get("members", len(view.members)),
            "quorum_met": bool(vote.get("quorum_met")),
            "acclaimed": winner("acclaim"),
            "leader": winner("leader"),
            "deputy": winner("deputy"),
            "titles": [
                {
                    "unit": names.get(t["unit"], t["unit"]),
                    "title": t["title"],
                    "yes": t["yes"],
                    "required": t["required"],
                    "approved": t["approved"],
                }
                for t in vote.get("titles", [])
            ],
            "absent": [names.get(c, c) for c in raw.get("absent", [])],
        }
    if run.stage == Stage.APPROVAL:
        returned = raw.get("returned_to")
        return {
            "decision": raw.get("decision", "return" if returned else ""),
            "reason": raw.get("reason") or "",
            "returned_to": Stage(returned).number if returned else None,
            "titles": [
                {"unit": names.get(c, c), "title": t}
                for c, t in sorted((raw.get("titles") or {}).items())
            ],
        }
    return raw


def stage_closed(session: Session, view: CampaignView, run: StageRun) -> int:
    """Stage 1–4: `stage_closed` with ``reason`` (confirmed | deadline | decided | returned |
    automatic) and ``result`` to the officers and the cluster leader. Stage 5 ends the campaign:
    `campaign_finished` and `nominations_filed`."""
    assert run.id is not None
    if run.stage == Stage.NOMINATION:
        return _campaign_finished(session, view, run) + _nominations_filed(session, view, run)
    return enqueue(
        session,
        event="stage_closed",
        view=view,
        run=run,
        recipients=[*officers(session, view), *cluster_leaders(session, view)],
        cause=str(run.id),
        context={"reason": run.close_reason or "", "result": _stage_result(view, run)},
    )


def _nominations(view: CampaignView, run: StageRun) -> list[dict[str, Any]]:
    names = _names(view)
    raw: dict[str, Any] = dict(run.result_json or {})
    return [
        {
            "code": n["unit"],
            "unit": names.get(n["unit"], n["unit"]),
            "title": n["title"],
            "eligible": bool(n["eligible"]),
            "reasons": list(n.get("reasons") or []),
        }
        for n in raw.get("nominations", [])
    ]


def _campaign_finished(session: Session, view: CampaignView, run: StageRun) -> int:
    """``titles`` (unit, title), ``acclaimed``, ``leader``, ``deputy`` (names or None) and
    ``nominations`` (how many eligible nominations were filed)."""
    assert run.id is not None
    names = _names(view)
    outcome = outcome_of(session, view.id) or {}

    def name(key: str) -> str | None:
        code = outcome.get(key)
        return names.get(code, code) if code else None

    return enqueue(
        session,
        event="campaign_finished",
        view=view,
        run=None,
        recipients=[*officers(session, view), *cluster_leaders(session, view)],
        cause=str(run.id),
        context={
            "titles": [
                {"unit": names.get(c, c), "title": t}
                for c, t in sorted((outcome.get("titles") or {}).items())
            ],
            "acclaimed": name("acclaimed"),
            "leader": name("leader"),
            "deputy": name("deputy"),
            "nominations": sum(1 for n in _nominations(view, run) if n["eligible"]),
        },
    )


def _nominations_filed(session: Session, view: CampaignView, run: StageRun) -> int:
    """``nominations`` (unit, title, eligible, reasons) and ``whole_cluster``: the directorate
    and the cluster leader see every nomination, an officer only their own unit's."""
    assert run.id is not None
    items = _nominations(view, run)
    if not items:
        return 0
    everyone = [*directorate(session), *cluster_leaders(session, view)]
    recipients = [Recipient(r.actor, r.role, r.unit, {"whole_cluster": True}) for r in everyone]
    nominated = {n["code"] for n in items}
    for r in officers(session, view, [u for u in view.members if u.code in nominated]):
        assert r.unit is not None
        own = [n for n in items if n["code"] == r.unit.code]
        recipients.append(
            Recipient(r.actor, r.role, r.unit, {"whole_cluster": False, "nominations": own})
        )
    return enqueue(
        session,
        event="nominations_filed",
        view=view,
        run=None,
        recipients=recipients,
        cause=str(run.id),
        context={"nominations": items},
    )


def returned(
    session: Session, view: CampaignView, run: StageRun, assessment: SelfAssessment, by: Actor
) -> int:
    """`returned` to the unit's officers: ``comment``, ``returned_by`` (name), ``version``."""
    assert assessment.id is not None
    unit = view.unit_by_id(assessment.unit_id)
    return enqueue(
        session,
        event="returned",
        view=view,
        run=run,
        recipients=officers(session, view, [unit]),
        cause=str(assessment.id),
        context={
            "comment": assessment.returned_comment or "",
            "returned_by": by.full_name,
            "version": assessment.version,
        },
    )


def _missing_items(session: Session, view: CampaignView, run: StageRun) -> list[dict[str, Any]]:
    """What each unit still owes the open stage: ``unit_id``, ``name``, ``kind`` (not_submitted
    | returned | pending_reviews | not_voted | not_decided) and ``count`` (reviews to do)."""
    assert run.id is not None
    state = progress(session, view, run)
    by_code = {u.code: u for u in view.members}
    items: list[dict[str, Any]] = []
    for m in state.missing:
        unit = by_code.get(m.unit)
        item: dict[str, Any] = {"unit_id": unit.id if unit else None, "name": m.name, "count": 0}
        if run.stage == Stage.SELF_ASSESSMENT and unit is not None:
            latest = session.exec(
                select(SelfAssessment)
                .where(SelfAssessment.stage_run_id == run.id, SelfAssessment.unit_id == unit.id)
                .order_by(col(SelfAssessment.version).desc())
            ).first()
            again = latest is not None and latest.status == SubmissionStatus.RETURNED
            item["kind"] = "returned" if again else "not_submitted"
        elif run.stage == Stage.PEER_REVIEW and unit is not None:
            done = session.exec(
                select(func.count()).where(
                    PeerReview.stage_run_id == run.id, PeerReview.reviewer_unit_id == unit.id
                )
            ).one()
            item["kind"] = "pending_reviews"
            item["count"] = len(view.members) - 1 - int(done)
        elif run.stage == Stage.VOTE:
            item["kind"] = "not_voted"
        else:
            item["kind"] = "not_decided"
        items.append(item)
    return items


def due_reminders(session: Session, now: datetime | None = None) -> int:
    """The deadline sweep's part: `reminder` before a deadline and `overdue` after it, once per
    stage run and person, to whoever still owes the stage something, by their unit's own due
    time (an extension moves it); the cluster leader hears of the late units. Per person:
    ``missing`` (name, kind, count) and ``due``; ``closes``: whether the stage closes at its
    deadline. Returns the messages written."""
    settings = get_settings()
    if not settings.notifications_enabled:
        return 0
    now = now or utcnow()
    runs = session.exec(
        select(StageRun)
        .join(Campaign, col(Campaign.id) == col(StageRun.campaign_id))
        .where(
            col(StageRun.closed_at).is_(None),
            col(StageRun.stage).in_([*OFFICER_STAGES, Stage.APPROVAL]),
            col(Campaign.status).in_([CampaignStatus.RUNNING, CampaignStatus.WAITING]),
            col(StageRun.due_at) <= now + settings.reminder_before,
        )
        .order_by(col(StageRun.id))
    ).all()
    written = 0
    for run in runs:
        assert run.id is not None
        lead = min(settings.reminder_before, (run.due_at - run.opened_at) / 2)
        if now < run.due_at - lead:
            continue
        view = load_campaign(session, run.campaign_id)
        items = _missing_items(session, view, run)
        if not items:
            continue
        context = {"closes": run.on_deadline == "close"}
        if run.stage == Stage.APPROVAL:
            event = "overdue" if now >= run.due_at else "reminder"
            written += enqueue(
                session,
                event=event,
                view=view,
                run=run,
                recipients=[
                    Recipient(r.actor, r.role, None, {"missing": items})
                    for r in directorate(session)
                ],
                cause=str(run.id),
                context=context,
            )
            continue
        # An extension moves one unit's deadline: each unit is reminded by its own.
        by_unit = {i["unit_id"]: i for i in items}
        due = {uid: unit_due(session, run, uid) for uid in by_unit if uid is not None}
        told: dict[str, list[Recipient]] = {"reminder": [], "overdue": []}
        for r in officers(session, view, [u for u in view.members if u.id in due]):
            assert r.unit is not None and r.unit.id is not None
            own = due[r.unit.id]
            if now < own - lead:
                continue
            told["overdue" if now >= own else "reminder"].append(
                Recipient(
                    r.actor,
                    r.role,
                    r.unit,
                    {
                        "missing": [by_unit[r.unit.id]],
                        "due": local_naive(own),
                        "due_at_utc": own.astimezone(UTC).isoformat(),
                    },
                )
            )
        late = [i for i in items if i["unit_id"] in due and now >= due[i["unit_id"]]]
        if late:
            told["overdue"] += [
                Recipient(r.actor, r.role, r.unit, {"missing": late})
                for r in cluster_leaders(session, view)
            ]
        for event, recipients in told.items():
            written += enqueue(
                session,
                event=event,
                view=view,
                run=run,
                recipients=recipients,
                cause=str(run.id),
                context=context,
            )
    return written


# ---------------------------------------------------------------- what is not delivered


def undelivered(session: Session, campaign_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Per campaign: messages not sent yet (``pending``, claimed ones included), given up
    (``failed``), and why (``errors``: status, error, count; most frequent first)."""
    out: dict[int, dict[str, Any]] = {
        cid: {"pending": 0, "failed": 0, "errors": []} for cid in campaign_ids
    }
    if not campaign_ids:
        return out
    rows = session.exec(
        select(
            OutboxMessage.campaign_id,
            OutboxMessage.status,
            OutboxMessage.last_error,
            func.count(),
        )
        .where(
            col(OutboxMessage.campaign_id).in_(list(campaign_ids)),
            OutboxMessage.status != OutboxStatus.SENT,
        )
        .group_by(
            col(OutboxMessage.campaign_id),
            col(OutboxMessage.status),
            col(OutboxMessage.last_error),
        )
    ).all()
    for cid, status, error, count in rows:
        if cid is None:
            continue
        entry = out[cid]
        entry["failed" if status == OutboxStatus.FAILED else "pending"] += int(count)
        if error:
            entry["errors"].append({"status": str(status), "error": error, "count": int(count)})
    for entry in out.values():
        entry["errors"].sort(key=lambda e: (-e["count"], e["error"]))
    return out
