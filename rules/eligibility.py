"""Honour nominations (đề nghị khen thưởng): who is put forward, and who may be."""

from collections.abc import Collection, Mapping, Sequence

from rules.config import CycleRules
from rules.errors import RuleViolation
from rules.results import NominationCandidate, RankedUnit


def no_record_note(years: Collection[int]) -> str:
    return f"chưa có dữ liệu năm {', '.join(map(str, sorted(years)))}"


def _prerequisite_reasons(
    rules: CycleRules,
    unit: str,
    title: str,
    year: int,
    history: Mapping[str, Mapping[int, Collection[str]]],
    pending: Mapping[str, Mapping[int, Collection[str]]],
) -> tuple[bool, list[str], list[int]]:
    """Each earlier year a prerequisite needs is one of three cases: on record (a year thidua
    ran, or imported history: a year key of `history`, even with no title), where a missing
    title makes the unit ineligible; a title still before the council, taken on trust with a
    note; or no record at all, which never makes a unit eligible by itself: the nomination is
    marked and the directorate confirms or drops it (the third value: those years)."""
    eligible = True
    reasons: list[str] = []
    unrecorded: set[int] = set()
    past = history.get(unit) or {}
    waiting = pending.get(unit) or {}
    for p in rules.prerequisites:
        if p.title != title:
            continue
        years = list(range(year - p.years, year))
        span = f"{p.years} năm liền trước ({', '.join(map(str, years))})"
        needed = [y for y in years if p.requires not in past.get(y, ())]
        undecided = [y for y in needed if p.requires in waiting.get(y, ())]
        unknown = [y for y in needed if y not in undecided and y not in past and y not in waiting]
        missing = [y for y in needed if y not in undecided and y not in unknown]
        if undecided:
            reasons.append(
                f"Tạm tính danh hiệu “{p.requires}” năm {', '.join(map(str, undecided))}: "
                "đề nghị đang chờ Hội đồng Thi đua - Khen thưởng quyết định"
            )
        if missing:
            eligible = False
            reasons.append(
                f"Chưa đủ điều kiện: phải đạt danh hiệu “{p.requires}” {span}, "
                f"thiếu năm {', '.join(map(str, missing))}"
            )
        if unknown:
            unrecorded.update(unknown)
            reasons.append(
                f"{no_record_note(unknown).capitalize()}: chưa kiểm tra điều kiện đạt danh hiệu "
                f"“{p.requires}” {span}; Ban Giám đốc xác nhận hoặc bỏ đề nghị"
            )
    return eligible, reasons, sorted(unrecorded)


def nominate(
    rules: CycleRules,
    *,
    year: int,
    ranking: Sequence[RankedUnit],
    approved_titles: Mapping[str, str],
    acclaimed: str | None,
    history: Mapping[str, Mapping[int, Collection[str]]],
    pending: Mapping[str, Mapping[int, Collection[str]]] | None = None,
) -> list[NominationCandidate]:
    """One candidate for the acclaimed unit (the flag) and one per approved title.

    Ineligible candidates are kept, with their reasons, so the dossier shows why a voted
    title was not put forward. `history` holds the titles awarded in earlier years (a year
    present with no title: on record, nothing earned); `pending` those nominated but not yet
    decided by the council, which count with a note.
    """
    by_unit = {r.unit: r for r in ranking}
    pairs: list[tuple[str, str, str]] = []  # (field, unit, title)
    if acclaimed is not None:
        pairs.append(("acclaimed", acclaimed, rules.flag_title))
    pairs += [(f"approved_titles.{u}", u, t) for u, t in sorted(approved_titles.items())]

    candidates: list[NominationCandidate] = []
    for field, unit, title in pairs:
        ranked = by_unit.get(unit)
        if ranked is None:
            raise RuleViolation(field, "đơn vị không có trong bảng xếp hạng của cụm")
        eligible, reasons, unknown = _prerequisite_reasons(
            rules, unit, title, year, history, pending or {}
        )
        needs = rules.flag_requires if field == "acclaimed" else None
        if needs is not None and approved_titles.get(unit) != needs:
            eligible = False
            reasons.insert(
                0,
                f"Chưa đủ điều kiện: đơn vị được đề nghị “{title}” phải đạt danh hiệu "
                f"“{needs}” năm {year}",
            )
        candidates.append(
            NominationCandidate(
                unit=unit,
                title=title,
                score=ranked.consolidated,
                rank=ranked.rank,
                eligible=eligible,
                reasons=tuple(reasons),
                unrecorded_years=tuple(unknown) if eligible else (),
            )
        )

    title_order = [rules.flag_title, *(t.title for t in rules.titles)]

    def order(c: NominationCandidate) -> tuple[int, str, int]:
        # Titles the rules do not list (e.g. set by the directorate) go last, by name.
        known = title_order.index(c.title) if c.title in title_order else len(title_order)
        return known, c.title if known == len(title_order) else "", c.rank

    candidates.sort(key=order)

    # Quotas are filled in rank order by candidates that are otherwise eligible, so a unit
    # refused for its history does not take a place from the next one.
    taken: dict[str, int] = {}
    for i, c in enumerate(candidates):
        quota = rules.quotas.get(c.title)
        if quota is None or not c.eligible:
            continue
        taken[c.title] = taken.get(c.title, 0) + 1
        if taken[c.title] > quota:
            candidates[i] = c.model_copy(
                update={
                    "eligible": False,
                    "reasons": (
                        *c.reasons,
                        f"vượt chỉ tiêu danh hiệu “{c.title}” của cụm "
                        f"(tối đa {quota} đơn vị), xếp hạng {c.rank}",
                    ),
                }
            )
    return candidates
