"""Simulated participants: they act through the same commands as people do.

Used by `thidua demo`, the end-to-end tests and the benchmarks. Deterministic for a seed:
each unit has a "quality" that sets its self scores, and peers judge it a little lower.
"""

import random
from dataclasses import dataclass, field

from sqlmodel import Session

from models import Actor, StageRun
from rules.defaults import example_scores
from rules.results import BallotContent
from rules.stages import Stage
from thidua.errors import Conflict, NotReady
from thidua.sample import commander_username, officer_username
from thidua.services import decisions, submissions, votes
from thidua.services.context import CampaignView, get_actor, load_campaign, open_stage_run
from thidua.services.inputs import ReviewInput, SelfAssessmentInput
from thidua.services.progress import progress
from thidua.services.results import ranking_of
from thidua.services.reviews import submit_reviews
from thidua.services.submissions import latest_assessment

ACHIEVEMENTS = (
    "Hoàn thành xuất sắc các chỉ tiêu công tác năm; tham mưu kịp thời cho Ban Giám đốc "
    "trong các đợt cao điểm tấn công trấn áp tội phạm.\n"
    "Tổ chức tốt 4 đợt thi đua theo phát động của Công an thành phố."
)
SHORTCOMINGS = "Một số báo cáo định kỳ còn chậm; việc ứng dụng công nghệ thông tin chưa đồng đều."


@dataclass
class Script:
    """Who does what: one unit misses the self-assessment deadline, one is returned once."""

    seed: int = 2019
    late_unit: str | None = "CTT8"
    returned_unit: str | None = "BANTD"
    preferred_leader: str = "PTCCB"  # the article's 2020 leader and deputy
    preferred_deputy: str = "PTC"
    boastful_unit: str | None = "TTR"  # rates itself well above what peers see: asked to explain
    returned: set[int] = field(default_factory=set)  # campaigns whose return was done

    def quality(self, campaign_id: int, unit: str) -> float:
        return random.Random(f"{self.seed}:{campaign_id}:{unit}").uniform(0.80, 0.97)

    def self_quality(self, campaign_id: int, unit: str) -> float:
        boast = 0.14 if unit == self.boastful_unit else 0.02
        return min(self.quality(campaign_id, unit) + boast, 1.0)

    def peer_quality(self, campaign_id: int, reviewer: str, reviewee: str) -> float:
        rng = random.Random(f"{self.seed}:{campaign_id}:{reviewer}->{reviewee}")
        return self.quality(campaign_id, reviewee) - rng.uniform(0.0, 0.05)


def _officer(session: Session, unit: str) -> Actor:
    return get_actor(session, officer_username(unit))


def act(session: Session, campaign_id: int, script: Script) -> list[str]:
    """Do what the participants would do now in the campaign's open stage. Returns what was done
    (nothing when the stage waits only for its deadline or a decision made elsewhere)."""
    view = load_campaign(session, campaign_id)
    run = open_stage_run(session, view)
    if run is None:
        return []
    done: list[str] = []
    state = progress(session, view, run)
    if run.stage == Stage.SELF_ASSESSMENT:
        for m in state.missing:
            if m.unit == script.late_unit:
                continue
            submissions.submit_self_assessment(
                session,
                actor=_officer(session, m.unit),
                campaign_id=view.id,
                data=SelfAssessmentInput(
                    scores=example_scores(view.rules.scheme, script.self_quality(view.id, m.unit)),
                    achievements=ACHIEVEMENTS,
                    shortcomings=SHORTCOMINGS,
                    evidence=[f"bao-cao-tong-ket-{view.year}-{m.unit.lower()}.pdf"],
                ),
                via="simulation",
            )
            done.append(f"{m.name} nộp bản tự chấm")
        if script.returned_unit and view.id not in script.returned:
            unit = view.unit(script.returned_unit)
            assert run.id is not None and unit.id is not None
            sa = latest_assessment(session, run.id, unit.id)
            if sa is not None and sa.status == "submitted":
                submissions.return_self_assessment(
                    session,
                    actor=_leader(session, view),
                    campaign_id=view.id,
                    unit_code=unit.code,
                    via="simulation",
                    comment="Thiếu minh chứng cho tiêu chí tham mưu; đề nghị bổ sung và chấm lại.",
                )
                script.returned.add(view.id)
                done.append(f"Cụm trưởng trả lại bản tự chấm của {unit.name}")
    elif run.stage == Stage.PEER_REVIEW:
        for m in state.missing:
            todo = m.what.split(": ", 1)[1].split(", ")
            reviews = [
                ReviewInput(
                    reviewee=code,
                    scores=example_scores(
                        view.rules.scheme, script.peer_quality(view.id, m.unit, code)
                    ),
                    comment=f"{view.unit(code).name} hoàn thành tốt nhiệm vụ được giao.",
                )
                for code in todo
            ]
            submit_reviews(
                session,
                actor=_officer(session, m.unit),
                campaign_id=view.id,
                reviews=reviews,
                via="simulation",
            )
            done.append(f"{m.name} chấm chéo {len(todo)} đơn vị")
    elif run.stage == Stage.VOTE:
        for m in state.missing:
            if not m.unit:
                continue  # the chair's decision of a tie, not a ballot: below
            submissions.cast_ballot(
                session,
                actor=_officer(session, m.unit),
                campaign_id=view.id,
                ballot=ballot_for(session, view, m.unit, script),
                via="simulation",
            )
            done.append(f"{m.name} bỏ phiếu")
    if run.stage == Stage.VOTE:
        done += decide_ties(session, view, run)
    # The leader confirms a full stage; one with inputs missing is left to close at its deadline.
    full = not progress(session, view, run).missing
    if run.stage in decisions.CONFIRMABLE and not done and full and not run.confirmed_by:
        try:
            decisions.confirm_stage(
                session,
                actor=_leader(session, view),
                campaign_id=view.id,
                stage=run.stage,
                via="simulation",
            )
            done.append(f"Cụm trưởng xác nhận giai đoạn '{run.stage.label}'")
        except (NotReady, Conflict):
            pass  # inputs still missing: the stage waits for its deadline
    return done


TIE_REASON = "Chủ tọa chọn đơn vị xếp hạng cao hơn theo thứ tự phân định của đợt."


def decide_ties(session: Session, view: CampaignView, run: StageRun) -> list[str]:
    """The chair decides each quota tie left after the count, as a leader would: the places go
    to the tied units ranked higher by the cycle's tie-break chain."""
    done = []
    for tie in votes.ties_to_decide(session, view, run):
        chosen = [u.code for u in tie.units[: tie.places]]  # tie.units are in rank order
        votes.decide_tie(
            session,
            actor=_leader(session, view),
            campaign_id=view.id,
            title=tie.title,
            units=chosen,
            reason=TIE_REASON,
            via="simulation",
        )
        done.append(f"Chủ tọa quyết định “{tie.title}” cho {', '.join(chosen)}")
    return done


def _leader(session: Session, view: CampaignView) -> Actor:
    assert view.leader is not None
    return get_actor(session, commander_username(view.leader.code))


def ballot_for(session: Session, view: CampaignView, voter: str, script: Script) -> BallotContent:
    ranking = ranking_of(session, view.id) or []
    rng = random.Random(f"{script.seed}:{view.id}:ballot:{voter}")
    others = [r.unit for r in ranking if r.unit != voter]

    def prefer(code: str, *exclude: str) -> str | None:
        if code != voter and code in view.member_codes and code not in exclude:
            return code
        return next((u for u in others if u not in exclude), None)

    leader = prefer(script.preferred_leader)
    deputy = prefer(script.preferred_deputy, *(c for c in (leader,) if c))
    # Drawn for every proposed unit, so the same seed gives the same answers to the others.
    draws = {r.unit: rng.random() > 0.05 for r in ranking if r.proposed_title}
    titles = {u: ok for u, ok in draws.items() if u != voter or view.rules.vote.self_title_vote}
    top = ranking[0].unit if ranking else None
    return BallotContent(
        acclaim=top if top != voter else None, leader=leader, deputy=deputy, titles=titles
    )
