"""A score sheet of one year read under another year's scheme (next year's rules, tried on this
year's data): each item keeps the share of its maximum the unit earned, so a criterion given more
weight (a higher maximum) counts more, a new one counts 0 (nobody scored it) and a dropped one
not at all."""

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

from rules.config import ScoringScheme
from rules.scoring import fraction_to_points, total_score


def _maxima(scheme: ScoringScheme) -> dict[str, Decimal]:
    maxima = {c.code: c.max_points for c in scheme.criteria}
    maxima.update({a.code: a.max_points for a in (*scheme.bonuses, *scheme.penalties)})
    return maxima


def scheme_changes(old: ScoringScheme, new: ScoringScheme) -> list[str]:
    """What differs between the two schemes, item by item, in Vietnamese."""
    before, after = _maxima(old), _maxima(new)
    notes: list[str] = []
    for code, points in after.items():
        if code not in before:
            notes.append(f"{code}: tiêu chí mới, năm so sánh chưa ai chấm nên tính 0 điểm")
        elif points != before[code]:
            notes.append(f"{code}: điểm tối đa {before[code]} → {points}")
    notes += [f"{code}: bỏ khỏi thang điểm" for code in before if code not in after]
    if old.max_bonus != new.max_bonus:
        notes.append(f"Điểm thưởng tối đa {old.max_bonus} → {new.max_bonus}")
    return notes


def rescore(old: ScoringScheme, new: ScoringScheme, points: Mapping[str, Decimal]) -> Decimal:
    """The total of a sheet scored under `old`, as the same performance scores under `new`."""
    before, after = _maxima(old), _maxima(new)
    scaled: dict[str, Decimal] = {}
    for code, top in after.items():
        if code in before and code in points:
            share = Fraction(points[code]) / Fraction(before[code])
            scaled[code] = fraction_to_points(share * Fraction(top))
    bonuses = [b.code for b in new.bonuses]
    extra = sum((scaled.get(c, Decimal(0)) for c in bonuses), Decimal(0))
    if extra > new.max_bonus:
        # The cap on bonuses applies as it would have to a sheet scored under the new scheme.
        for c in bonuses:
            scaled.pop(c, None)
        scaled[bonuses[0]] = new.max_bonus
    return total_score(new, scaled)
