"""What a system does through the API, as the token's account: an officer's self-assessment,
reviews and ballot (the JSON of the forms `thidua submit --file` reads, through the same checks
and services: thidua/forms/submit.py), the cluster leader's return, confirm and extend, the
directorate's decision. One transaction per request: a refused action writes nothing.

A confirmation or a decision wakes the campaign's Prefect run after the answer is sent, as the
CLI and the portal do (thidua/wake.py); submissions do not: the run is woken when the stage is
ready to move, not once per input.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Path

from models import Role
from rules.stages import Stage
from thidua import localtime
from thidua.errors import InvalidInput
from thidua.forms import submit
from thidua.forms.checks import BallotForm
from thidua.forms.filled import Filled
from thidua.limits import MAX_ID
from thidua.services import deadlines, decisions, submissions
from thidua.services.api_tokens import TokenUse
from thidua.services.context import load_campaign
from thidua.services.inputs import ReviewsInput, SelfAssessmentInput
from thidua.wake import wake
from thidua.web.access import DB, release
from thidua.web.api.auth import token
from thidua.web.api.body import documented, json_body, model_of, required
from thidua.web.api.schemas import (
    ERRORS,
    ActionOut,
    BallotOut,
    ConfirmIn,
    DecideIn,
    ExtendIn,
    ReturnIn,
)

router = APIRouter(prefix="/api/v1", tags=["Thao tác"], responses=ERRORS)

Officer = Annotated[TokenUse, token(Role.UNIT_OFFICER, act=True)]
Leader = Annotated[TokenUse, token(Role.CLUSTER_LEADER, act=True)]
Directorate = Annotated[TokenUse, token(Role.DIRECTORATE, act=True)]
CampaignId = Annotated[int, Path(ge=1, le=MAX_ID, description="Số của đợt bình xét")]
# Declared after the token, so a request without one is a 401 before its body is read.
Json = Annotated[Any, Depends(json_body)]


def _woken(db: DB, background: BackgroundTasks, campaign_id: int) -> str:
    """Wake the campaign's run once this request's transaction has committed."""
    flow_run_id = load_campaign(db, campaign_id).campaign.flow_run_id
    if flow_run_id is None:
        return "no_run"
    background.add_task(wake, flow_run_id)
    return "scheduled"


def _filed(
    how: Callable[..., str], db: DB, use: TokenUse, campaign_id: int, data: Any
) -> dict[str, Any]:
    """A form filed as `thidua submit --file` files it (thidua/forms/submit.py)."""
    filled = Filled(required(data))
    said = how(db, actor=use.actor, campaign_id=campaign_id, filled=filled, via=use.via)
    return release(db, {"message": said})


@router.post(
    "/campaigns/{campaign_id}/self-assessment",
    summary="Nộp bản tự chấm",
    response_model=ActionOut,
    openapi_extra=documented(
        SelfAssessmentInput, "Bản tự chấm (như `thidua form self-assessment`)"
    ),
)
def self_assessment(db: DB, use: Officer, campaign_id: CampaignId, data: Json) -> dict[str, Any]:
    """Cán bộ đơn vị nộp bản tự chấm điểm của đơn vị mình; nộp lại sau khi Cụm trưởng trả lại.
    Gửi lại đúng bản đã nộp không ghi thêm gì."""
    return _filed(submit.self_assessment, db, use, campaign_id, data)


@router.post(
    "/campaigns/{campaign_id}/reviews",
    summary="Nộp phiếu chấm chéo",
    response_model=ActionOut,
    openapi_extra=documented(
        ReviewsInput, "Phiếu chấm chéo: {reviews: […]}, một danh sách phiếu, hoặc một phiếu"
    ),
)
def reviews(db: DB, use: Officer, campaign_id: CampaignId, data: Json) -> dict[str, Any]:
    """Cán bộ đơn vị chấm chéo các đơn vị khác trong cụm (không bao giờ đơn vị mình)."""
    return _filed(submit.reviews, db, use, campaign_id, data)


@router.post(
    "/campaigns/{campaign_id}/ballot",
    summary="Bỏ phiếu kín",
    response_model=BallotOut,
    openapi_extra=documented(
        BallotForm, "Phiếu bầu (như `thidua form ballot`); để trống: không bầu"
    ),
)
def ballot(db: DB, use: Officer, campaign_id: CampaignId, data: Json) -> dict[str, Any]:
    """Cán bộ đơn vị bỏ phiếu kín cho đơn vị mình, một lần. Nội dung phiếu lưu tách khỏi danh
    sách đã bỏ phiếu: không ai biết phiếu nào của đơn vị nào. Trả về mã biên nhận (một lần)."""
    cast = submit.ballot(
        db, actor=use.actor, campaign_id=campaign_id, filled=Filled(required(data)), via=use.via
    )
    return release(db, {"message": cast.message, "receipt": cast.receipt})


@router.post(
    "/campaigns/{campaign_id}/return",
    summary="Trả lại bản tự chấm",
    response_model=ActionOut,
    openapi_extra=documented(ReturnIn, "Đơn vị và lý do"),
)
def return_unit(db: DB, use: Leader, campaign_id: CampaignId, data: Json) -> dict[str, Any]:
    """Cụm trưởng trả lại bản tự chấm của một đơn vị để sửa."""
    given = model_of(ReturnIn, required(data))
    sa = submissions.return_self_assessment(
        db, actor=use.actor, campaign_id=campaign_id, unit_code=given.unit,
        comment=given.comment, via=use.via,
    )  # fmt: skip
    return release(
        db, {"message": f"Đã trả lại bản tự chấm (lần {sa.version}) của {given.unit} để sửa."}
    )


@router.post(
    "/campaigns/{campaign_id}/confirm",
    summary="Xác nhận giai đoạn",
    response_model=ActionOut,
    openapi_extra=documented(ConfirmIn, "Khi xác nhận kết quả bỏ phiếu: cuộc họp (tùy chọn)"),
)
def confirm(
    db: DB, use: Leader, campaign_id: CampaignId, data: Json, background: BackgroundTasks
) -> dict[str, Any]:
    """Cụm trưởng xác nhận giai đoạn đang mở đã đủ; lượt chạy Prefect được đánh thức."""
    meeting = {k: v for k, v in model_of(ConfirmIn, data).model_dump().items() if v}
    run = decisions.confirm_stage(
        db, actor=use.actor, campaign_id=campaign_id, meeting=meeting, via=use.via
    )
    woken = _woken(db, background, campaign_id)
    return release(db, {"message": f"Đã xác nhận giai đoạn '{run.stage.label}'.", "wake": woken})


@router.post(
    "/campaigns/{campaign_id}/extend",
    summary="Gia hạn cho một đơn vị",
    response_model=ActionOut,
    openapi_extra=documented(ExtendIn, "Đơn vị, hạn mới, lý do"),
)
def extend(db: DB, use: Leader, campaign_id: CampaignId, data: Json) -> dict[str, Any]:
    """Cụm trưởng gia hạn cho một đơn vị trong giai đoạn đang mở."""
    given = model_of(ExtendIn, required(data))
    ext = deadlines.grant_extension(
        db, actor=use.actor, campaign_id=campaign_id, unit_code=given.unit,
        until=localtime.parse(given.until, "until"), reason=given.reason,
    )  # fmt: skip
    return release(
        db, {"message": f"Đã gia hạn cho {given.unit} đến {localtime.clock(ext.until)}."}
    )


@router.post(
    "/campaigns/{campaign_id}/decide",
    summary="Quyết định của Ban Giám đốc",
    response_model=ActionOut,
    openapi_extra=documented(DecideIn, "Phê duyệt, điều chỉnh (với amend) hoặc trả lại (với to)"),
)
def decide(
    db: DB, use: Directorate, campaign_id: CampaignId, data: Json, background: BackgroundTasks
) -> dict[str, Any]:
    """Ban Giám đốc phê duyệt, điều chỉnh danh hiệu hoặc trả lại kết quả của cụm, với lý do;
    lượt chạy Prefect được đánh thức."""
    given = model_of(DecideIn, required(data))
    if given.amend and given.outcome != decisions.Outcome.AMEND:
        raise InvalidInput("amend", "chỉ dùng khi điều chỉnh (outcome: amend)")
    if given.to is not None and given.outcome != decisions.Outcome.RETURN:
        raise InvalidInput("to", "chỉ dùng khi trả lại (outcome: return)")
    decisions.decide(
        db, actor=use.actor, campaign_id=campaign_id, outcome=given.outcome,
        reason=given.reason, amendments=given.amend or None,
        return_to=Stage(given.to) if given.to else None, via=use.via,
    )  # fmt: skip
    woken = _woken(db, background, campaign_id)
    return release(db, {"message": f"Đã ghi quyết định ({given.outcome.value}).", "wake": woken})
