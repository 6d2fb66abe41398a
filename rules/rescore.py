"""A score sheet of one year read under another year's scheme (next year's rules, tried on this
year's data): each item keeps the share of its maximum the unit earned, so a criterion given more
weight (a higher maximum) counts more, a new one counts 0 (nobody scored it) and a dropped one
not at all."""

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

from rules.config import Adjustment, Criterion, ScoringScheme
from rules.scoring import fraction_to_points, total_score


def _maxima(scheme: ScoringScheme) -> dict[str, Decimal]:
    maxima = {c.code: c.max_points for c in scheme.criteria}
    maxima.update({a.code: a.max_points for a in (*scheme.bonuses, *scheme.penalties)})
    return maxima


def _items(scheme: ScoringScheme) -> dict[str, Criterion | Adjustment]:
    lines: list[Criterion | Adjustment] = [*scheme.criteria, *scheme.bonuses, *scheme.penalties]
    return {i.code: i for i in lines}


def recomputed_from_drives(old: ScoringScheme, new: ScoringScheme) -> list[str]:
    """The lines of `new` computed from the drives that the stored sheets cannot give: new, once
    typed, or computed another way. The dry-run computes them from the year's drive results."""
    before = _items(old)
    out = []
    for item in new.drive_items:
        was = before.get(item.code)
        same = was is not None and was.from_drives and (was.basis, was.per_drive) == (
            item.basis,
            item.per_drive,
        )
        if not same:
            out.append(item.code)
    return out


def scheme_changes(old: ScoringScheme, new: ScoringScheme) -> list[str]:
    """What differs between the two schemes, item by item, in Vietnamese."""
    before, after = _maxima(old), _maxima(new)
    notes: list[str] = []
    fresh = recomputed_from_drives(old, new)
    for code in fresh:
        notes.append(
            f"{code}: điểm lấy từ kết quả các đợt thi đua đã ghi nhận của năm so sánh "
            f"(tối đa {after[code]})"
        )
    for code, points in after.items():
        if code in fresh:
            continue
        if code not in before:
            notes.append(f"{code}: tiêu chí mới, năm so sánh chưa ai chấm nên tính 0 điểm")
        elif points != before[code]:
            notes.append(f"{code}: điểm tối đa {before[code]} → {points}")
    notes += [f"{code}: bỏ khỏi thang điểm" for code in before if code not in after]
    if old.max_bonus != new.max_bonus:
        notes.append(f"Điểm thưởng tối đa {old.max_bonus} → {new.max_bonus}")
    return notes


def rescore(
    old: ScoringScheme,
    new: ScoringScheme,
    points: Mapping[str, Decimal],
    fixed: Mapping[str, Decimal] | None = None,
) -> Decimal:
    """The total of a sheet scored under `old`, as the same performance scores under `new`;
    `fixed`: the points of lines computed from the drives (recomputed_from_drives)."""
    before, after = _maxima(old), _maxima(new)
    scaled: dict[str, Decimal] = {}
    for code, top in after.items():
        if code in before and code in points:
            share = Fraction(points[code]) / Fraction(before[code])
            scaled[code] = fraction_to_points(share * Fraction(top))
    scaled.update(fixed or {})
    bonuses = [b.code for b in new.bonuses]
    extra = sum((scaled.get(c, Decimal(0)) for c in bonuses), Decimal(0))
    if extra > new.max_bonus:
        # The cap on bonuses applies as it would have to a sheet scored under the new scheme.
        for c in bonuses:
            scaled.pop(c, None)
        scaled[bonuses[0]] = new.max_bonus
    return total_score(new, scaled)
