"""Points of the scheme's lines that come from the year's emulation drives (`source: drives`):
a pure function of the unit's recorded drive results, so the same results always give the
same points (thidua/services/drive_points.py fixes them once per campaign)."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from rules.config import Adjustment, Criterion
from rules.scoring import fraction_to_points, quantize_points


@dataclass(frozen=True)
class DriveOutcome:
    """A unit's recorded result in one drive it took part in."""

    drive_id: int
    name: str
    points: Decimal
    maximum: Decimal
    commended: bool
    # The directorate has decided the commendation list (or none was proposed): `commended`
    # is final. A drive recorded but awaiting that decision counts for `share` only.
    settled: bool = True


@dataclass(frozen=True)
class DrivePointsResult:
    points: Decimal
    counted: tuple[DriveOutcome, ...]  # the drives the points come from
    explanation: str  # in Vietnamese, for forms, status and documents


def _vi(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")  # 0.5 -> "0,5", as Vietnamese write it


def drive_item_points(
    item: Criterion | Adjustment, outcomes: Sequence[DriveOutcome]
) -> DrivePointsResult:
    """`share`: max_points × the mean, over the drives, of points / maximum (each drive weighs
    the same whatever its own scale; a unit that reported nothing scored 0 in it).
    `commended`: per_drive for each drive where the unit was commended, up to max_points.
    No drive counted gives 0."""
    top = item.max_points
    if item.basis == "commended":
        counted = tuple(o for o in outcomes if o.settled)
        assert item.per_drive is not None  # rules.config checks it
        won = [o for o in counted if o.commended]
        points = min(quantize_points(item.per_drive * len(won)), top)
        if not counted:
            return DrivePointsResult(points, counted, "không có đợt thi đua nào đã xét giấy khen")
        explanation = (
            f"được giấy khen {len(won)}/{len(counted)} đợt thi đua, {_vi(item.per_drive)} điểm "
            f"mỗi đợt, tối đa {_vi(top)}"
        )
        return DrivePointsResult(points, counted, explanation)
    counted = tuple(o for o in outcomes if o.maximum > 0)
    if not counted:
        return DrivePointsResult(
            quantize_points(Decimal(0)), counted, "không tham gia đợt thi đua nào đã ghi kết quả"
        )
    share = sum((Fraction(o.points) / Fraction(o.maximum) for o in counted), Fraction(0))
    share /= len(counted)
    points = min(fraction_to_points(share * Fraction(top)), top)
    percent = _vi(fraction_to_points(share * 100))
    explanation = f"đạt bình quân {percent}% điểm tối đa của {len(counted)} đợt thi đua"
    return DrivePointsResult(points, counted, explanation)
