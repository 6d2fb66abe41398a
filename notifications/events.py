"""What thidua/services tells the people of a campaign, and when: the one interface they call.

================== ============================ =============================================
event              when                         who
================== ============================ =============================================
stage_opened       stage 1–3 opens              officers of the member units
decision_requested stage 4 opens                the directorate
reminder           ``reminder_before`` the      officers of the units still missing (their own
                   deadline (at most half the   unit only); the directorate in stage 4
                   stage), stage still open     (notifications/reminders.py, by the sweep)
overdue            the deadline passed, stage   the same, and the cluster leader with the list
                   still open                   of what is missing
returned           a self-assessment returned   that unit's officers
stage_closed       stage 1–4 closes             officers and the cluster leader
campaign_finished  stage 5 closes               officers and the cluster leader
nominations_filed  stage 5 closes               directorate and cluster leader (every
                                                nomination); officers (their unit's only)
chair_tie          a quota tie is left after    the cluster leader (chair of the meeting); once
                   the count (by the sweep)     past the vote's deadline undecided, the leader
                                                and the directorate (thidua.services.ties)
================== ============================ =============================================

Every function runs in the caller's transaction (notifications/outbox.py). Messages carry
results (scores, tallies, titles), never a ballot: the vote's messages are built from the tally,
which links no ballot to its voter.
"""

from decimal import Decimal
from typing import Any

from sqlmodel import Session

from models import (
    Actor,
    SelfAssessment,
    StageRun,
)
from notifications.outbox import enqueue
from notifications.recipients import (
    OFFICER_STAGES,
    Recipient,
    cluster_leaders,
    directorate,
    officers,
)
from rules.stages import Stage
from thidua.services.context import CampaignView
from thidua.services.results import outcome_of, vote_of


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


def chair_tie(
    session: Session,
    view: CampaignView,
    run: StageRun,
    ties: list[dict[str, Any]],
    *,
    escalated: bool,
) -> int:
    """`chair_tie`: a quota tie waits for the chair of the meeting, to the cluster leader; once
    the vote's deadline passed undecided (``escalated``), to the leader and the directorate,
    which may decide it in the chair's place. ``ties``: title, places, units (code, name, yes,
    score)."""
    assert run.id is not None
    people = cluster_leaders(session, view)
    if escalated:
        people += directorate(session)
    return enqueue(
        session,
        event="chair_tie",
        view=view,
        run=run,
        recipients=people,
        cause=f"{run.id}:{'escalated' if escalated else 'open'}",
        context={"ties": ties, "escalated": escalated},
    )
