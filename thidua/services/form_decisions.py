"""The one decision a person takes on a Prefect form, in a canonical form a code is sealed to.

Anyone who can reach the Prefect API can rewrite a form answer before the flow reads it, so a
code proves nothing unless what the flow applies is exactly what the person asked the code for.
`thidua code` builds a FormDecision from the command line and stores its canonical JSON with
the code; the flow builds one from the form's fields and applies it only if both are equal.
"""

import json
import re
import unicodedata
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlmodel import Session

from models import Actor
from rules.stages import STAGE_ORDER, Stage
from thidua.errors import InvalidInput
from thidua.services.form_choices import DirectorateAction, LeaderAction, ReturnTarget

Action = Literal["approve", "amend", "return", "confirm", "return-unit", "chair-tie"]
DIRECTORATE_ACTIONS = ("approve", "amend", "return")
LEADER_ACTIONS = ("confirm", "return-unit", "chair-tie")

_FROM_DIRECTORATE: dict[DirectorateAction, Action] = {
    DirectorateAction.APPROVE: "approve",
    DirectorateAction.AMEND: "amend",
    DirectorateAction.RETURN: "return",
}
_FROM_LEADER: dict[LeaderAction, Action] = {
    LeaderAction.CONFIRM: "confirm",
    LeaderAction.RETURN_UNIT: "return-unit",
    LeaderAction.CHAIR_TIE: "chair-tie",
}
_TARGETS = {
    ReturnTarget.SELF_ASSESSMENT: Stage.SELF_ASSESSMENT,
    ReturnTarget.PEER_REVIEW: Stage.PEER_REVIEW,
    ReturnTarget.VOTE: Stage.VOTE,
}
_TARGET_OF_NUMBER = {stage.number: target for target, stage in _TARGETS.items()}


def _clean(text: str) -> str:
    # A browser sends composed Vietnamese, a macOS terminal may not: compare what is meant.
    return unicodedata.normalize("NFC", text).strip()


def split_units(text: str) -> list[str]:
    """Unit codes as typed on a form or after --choose: separated by commas, semicolons or
    spaces."""
    return [u for u in re.split(r"[,;\s]+", text) if u]


class FormDecision(BaseModel):
    """What a person decides. `reason` is the directorate's reason or the leader's comment;
    fields the action does not use are emptied, so they cannot tell two decisions apart. A
    chair's decision of a quota tie names the title and the chosen units (a set: their order
    and repeats say nothing)."""

    model_config = ConfigDict(frozen=True)

    action: Action
    amendments: dict[str, str | None] = Field(default_factory=dict)
    return_to: int | None = None  # stage number, 1–3
    unit: str = ""
    reason: str = ""
    title: str = ""
    units: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        action = data.get("action")
        data["reason"] = _clean(data.get("reason") or "")
        data["unit"] = _clean(data.get("unit") or "") if action == "return-unit" else ""
        if action == "confirm":
            data["reason"] = ""  # confirming records no comment
        amendments = data.get("amendments") or {}
        data["amendments"] = (
            {_clean(k): (_clean(v) if v else None) or None for k, v in sorted(amendments.items())}
            if action == "amend"
            else {}
        )
        if action != "return":
            data["return_to"] = None
        chair = action == "chair-tie"
        data["title"] = _clean(data.get("title") or "") if chair else ""
        data["units"] = sorted({_clean(u) for u in data.get("units") or () if _clean(u)})
        if not chair:
            data["units"] = []
        return data

    def canonical(self) -> str:
        sealed = self.model_dump()
        if self.action != "chair-tie":
            # As codes were sealed before a chair could decide on the form: still valid.
            del sealed["title"], sealed["units"]
        return json.dumps(sealed, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @property
    def choice(self) -> str:
        """The option chosen under "Quyết định" on the form."""
        for options in (_FROM_LEADER, _FROM_DIRECTORATE):
            for option, action in options.items():
                if action == self.action:
                    return option.value
        raise AssertionError(self.action)

    def summary(self) -> str:
        """The decision in words, for the person who asked for the code."""
        if self.action == "confirm":
            return "xác nhận hoàn thành giai đoạn"
        if self.action == "return-unit":
            return f"trả lại bản tự chấm của {self.unit}, lý do: {self.reason}"
        if self.action == "chair-tie":
            return (
                f"chủ tọa quyết định “{self.title}” cho {', '.join(self.units)}, "
                f"lý do: {self.reason}"
            )
        said = {"approve": "phê duyệt", "amend": "điều chỉnh danh hiệu", "return": "trả lại"}
        words = said[self.action]
        if self.action == "amend":
            changes = (f"{k} → {v or '(bỏ danh hiệu)'}" for k, v in self.amendments.items())
            words += " " + ", ".join(changes)
        if self.action == "return":
            words += f" về giai đoạn {self.return_to}"
        return words + (f", lý do: {self.reason}" if self.reason else "")

    def form_fields(self, actor: str, code: str) -> list[tuple[str, str]]:
        """(field title, what to choose or type) for every field the form needs."""
        from flows.forms import DirectorateForm, LeaderForm  # Prefect, only when a code is issued

        form = LeaderForm if self.action in LEADER_ACTIONS else DirectorateForm
        titles = {name: f.title or name for name, f in form.model_fields.items()}
        rows = [(titles["actor"], actor), (titles["code"], code)]
        if form is LeaderForm:
            rows.append((titles["action"], self.choice))
            if self.action == "return-unit":
                rows += [(titles["unit"], self.unit), (titles["comment"], self.reason)]
            if self.action == "chair-tie":
                rows += [
                    (titles["title"], self.title),
                    (titles["units"], ", ".join(self.units)),
                    (titles["comment"], self.reason),
                ]
            return rows
        rows.append((titles["action"], self.choice))
        if self.action == "amend":
            text = "; ".join(f"{k} = {v or ''}".rstrip() for k, v in self.amendments.items())
            rows.append((titles["amendments"], text))
        if self.action == "return" and self.return_to in _TARGET_OF_NUMBER:
            rows.append((titles["return_to"], _TARGET_OF_NUMBER[self.return_to].value))
        if self.reason:
            rows.append((titles["reason"], self.reason))
        return rows


def parse_amendments(text: str) -> dict[str, str | None]:
    amendments: dict[str, str | None] = {}
    for n, line in enumerate(text.replace(";", "\n").splitlines(), start=1):
        if not line.strip():
            continue
        code, sep, title = line.partition("=")
        if not sep or not code.strip():
            raise InvalidInput("amendments", f"dòng {n} phải có dạng MÃ_ĐƠN_VỊ = Danh hiệu")
        amendments[code.strip()] = title.strip() or None
    return amendments


def from_form(stage: Stage, data: dict[str, Any]) -> tuple[str, str, FormDecision | None]:
    """(actor, code, decision) read from a form answer; no decision if it only asks to look
    again. Raises ValidationError or InvalidInput for a malformed answer."""
    from flows.forms import DirectorateForm, LeaderForm  # the flow reads answers: Prefect is there

    if stage == Stage.APPROVAL:
        d = DirectorateForm.model_validate(data)
        if d.action == DirectorateAction.CHECK:
            return d.actor, d.code, None
        return (
            d.actor,
            d.code,
            FormDecision(
                action=_FROM_DIRECTORATE[d.action],
                amendments=parse_amendments(d.amendments),
                return_to=_TARGETS[d.return_to].number if d.return_to in _TARGETS else None,
                reason=d.reason,
            ),
        )
    f = LeaderForm.model_validate(data)
    if f.action == LeaderAction.CHECK:
        return f.actor, f.code, None
    decision = FormDecision(
        action=_FROM_LEADER[f.action],
        unit=f.unit,
        reason=f.comment,
        title=f.title,
        units=tuple(split_units(f.units)),
    )
    return f.actor, f.code, decision


def _stage(number: int | None) -> Stage | None:
    return STAGE_ORDER[number - 1] if number and 1 <= number <= len(STAGE_ORDER) else None


def apply(
    session: Session,
    *,
    actor: Actor,
    campaign_id: int,
    stage: Stage,
    decision: FormDecision,
    via: str,
) -> None:
    """Take the decision through the same services the CLI uses (same checks, same audit)."""
    # Imported here: every command imports this module (through the check of who is acting),
    # and most of them never apply a form's decision.
    from thidua.services.decisions import Outcome, confirm_stage, decide
    from thidua.services.submissions import return_self_assessment
    from thidua.services.votes import decide_tie

    if (stage == Stage.APPROVAL) != (decision.action in DIRECTORATE_ACTIONS):
        raise InvalidInput(
            "decision", f"'{decision.action}' không phải quyết định của giai đoạn '{stage.label}'"
        )
    if decision.action == "chair-tie" and stage != Stage.VOTE:
        raise InvalidInput(
            "decision", f"chủ tọa chỉ quyết định đơn vị hòa phiếu ở giai đoạn '{Stage.VOTE.label}'"
        )
    if decision.action == "chair-tie":
        decide_tie(
            session,
            actor=actor,
            campaign_id=campaign_id,
            title=decision.title,
            units=list(decision.units),
            reason=decision.reason,
            via=via,
        )
    elif decision.action == "confirm":
        confirm_stage(session, actor=actor, campaign_id=campaign_id, stage=stage, via=via)
    elif decision.action == "return-unit":
        return_self_assessment(
            session,
            actor=actor,
            campaign_id=campaign_id,
            unit_code=decision.unit,
            comment=decision.reason,
            via=via,
        )
    else:
        decide(
            session,
            actor=actor,
            campaign_id=campaign_id,
            outcome=Outcome(decision.action),
            reason=decision.reason,
            amendments=decision.amendments or None,
            return_to=_stage(decision.return_to),
            via=via,
        )
