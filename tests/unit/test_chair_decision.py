"""The chair's decision of a quota tie as a code is sealed to it: the title and the set of
chosen units, whatever the order, spacing or Unicode form they were typed in; nothing else."""

import unicodedata

import pytest

from flows.forms import LeaderAction
from rules.stages import Stage
from thidua.services.form_decisions import FormDecision, from_form, split_units

QT = "Đơn vị Quyết thắng"
REASON = "Thành tích đột xuất"


def chair(units: tuple[str, ...], title: str = QT, reason: str = REASON) -> FormDecision:
    return FormDecision(action="chair-tie", title=title, units=units, reason=reason)


def test_the_same_choice_typed_differently_is_the_same_decision() -> None:
    sealed = chair(("PTC", "PHC")).canonical()
    assert sealed == (
        '{"action":"chair-tie","amendments":{},"reason":"Thành tích đột xuất",'
        '"return_to":null,"title":"Đơn vị Quyết thắng","unit":"","units":["PHC","PTC"]}'
    )
    decomposed = unicodedata.normalize("NFD", f"  {QT} ")
    assert chair((" PHC", "PTC", "PHC"), title=decomposed, reason=f" {REASON}\n").canonical() == (
        sealed
    )


@pytest.mark.parametrize(
    "other",
    [
        chair(("PHC",)),  # one unit fewer
        chair(("PHC", "TTR")),  # another unit
        chair(("PHC", "PTC"), title="Đơn vị tiên tiến"),  # another title
        chair(("PHC", "PTC"), reason="Lý do khác"),  # another reason, as for every decision
        FormDecision(action="confirm"),
    ],
)
def test_any_other_choice_is_another_decision(other: FormDecision) -> None:
    assert other.canonical() != chair(("PHC", "PTC")).canonical()


def test_other_decisions_are_sealed_as_before() -> None:
    """Codes issued before a chair could decide on the form stay valid: their decisions carry
    no title or units."""
    assert FormDecision(action="confirm", title=QT, units=("PHC",)).canonical() == (
        '{"action":"confirm","amendments":{},"reason":"","return_to":null,"unit":""}'
    )


def test_the_form_answer_reads_as_the_decision_the_code_was_issued_for() -> None:
    actor, code, decision = from_form(
        Stage.VOTE,
        {
            "actor": "chihuy.ptm",
            "code": "AB12-CD34-EF56",
            "action": LeaderAction.CHAIR_TIE.value,
            "title": QT,
            "units": "PTC; PHC ,",
            "comment": REASON,
            "unit": "TTR",  # a field this decision does not use says nothing
        },
    )
    assert (actor, code) == ("chihuy.ptm", "AB12-CD34-EF56")
    assert decision is not None and decision.canonical() == chair(("PHC", "PTC")).canonical()
    assert decision.choice == LeaderAction.CHAIR_TIE.value
    assert decision.summary() == f"chủ tọa quyết định “{QT}” cho PHC, PTC, lý do: {REASON}"


def test_units_are_split_on_commas_semicolons_and_spaces() -> None:
    assert split_units(" PHC,PTC;  TTR \n") == ["PHC", "PTC", "TTR"]
    assert split_units(" , ") == []
