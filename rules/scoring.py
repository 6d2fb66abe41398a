"""Scores: checking a score sheet, totalling it, consolidating self and peer totals, ranking."""

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, Inexact, InvalidOperation, localcontext
from fractions import Fraction

from rules.config import CycleRules, ScoringScheme
from rules.errors import RuleViolation, raise_all
from rules.lot import lot_order
from rules.results import RankedUnit, UnitScore

CENT = Decimal("0.01")
# A score is a few digits either side of the point; no scheme gives a million points.
MAX_SCORE_INTEGER_DIGITS = 6
MAX_SCORE_DIGITS = 12

ScoreValue = Decimal | int | float | str | None


def quantize_points(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fraction_to_points(value: Fraction) -> Decimal:
    """Round an exact value to 0.01, half away from zero, without passing through a float or a
    limited-precision division that could round twice."""
    sign = -1 if value < 0 else 1
    cents, remainder = divmod(abs(value.numerator) * 100, value.denominator)
    if 2 * remainder >= value.denominator:
        cents += 1
    return Decimal(sign * cents).scaleb(-2)


def format_points(value: Decimal) -> str:
    """10.00 -> "10", 2.50 -> "2.5": how people write limits in Vietnamese documents."""
    return f"{value.normalize():f}"


def _parse(field: str, raw: ScoreValue) -> Decimal:
    # bool is an int to Python, but True is not a score anyone meant to type.
    if raw is None:
        raise RuleViolation(field, "thiếu điểm")
    if isinstance(raw, bool):
        raise RuleViolation(field, "không phải là số")
    try:
        # str(float) gives the shortest decimal that reads back as the same float, i.e. what
        # the user typed, where Decimal(float) would expose the binary approximation.
        value = Decimal(str(raw).strip()) if isinstance(raw, float | str) else Decimal(raw)
    except (InvalidOperation, ValueError, TypeError):
        raise RuleViolation(field, "không phải là số") from None
    if not value.is_finite():
        raise RuleViolation(field, "không phải là số hữu hạn (NaN, vô cùng)")
    # Checked before any arithmetic: quantize() of 1e308 or of a thousand-digit number overflows
    # the decimal context (InvalidOperation) instead of answering.
    digits, exponent = len(value.as_tuple().digits), value.as_tuple().exponent
    if value.adjusted() >= MAX_SCORE_INTEGER_DIGITS or digits > MAX_SCORE_DIGITS:
        raise RuleViolation(field, "không phải số điểm hợp lệ (quá lớn hoặc quá nhiều chữ số)")
    if isinstance(exponent, int) and exponent < -MAX_SCORE_DIGITS:
        raise RuleViolation(field, "chỉ được có tối đa 2 chữ số thập phân")
    return value


def _check_item(field: str, raw: ScoreValue, max_points: Decimal, step: Decimal | None) -> Decimal:
    value = _parse(field, raw)
    if value < 0:
        raise RuleViolation(field, "không được âm")
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        raise RuleViolation(field, "chỉ được có tối đa 2 chữ số thập phân")
    if value > max_points:
        raise RuleViolation(field, f"vượt quá điểm tối đa {format_points(max_points)}")
    if step is not None and value % step != 0:
        raise RuleViolation(field, f"phải là bội số của {format_points(step)}")
    return quantize_points(value)


FROM_DRIVES = "điểm lấy từ kết quả các đợt thi đua (hệ thống tính), đơn vị không tự chấm"


def validate_scores(
    scheme: ScoringScheme,
    scores: Mapping[str, ScoreValue],
    fixed: Mapping[str, Decimal] | None = None,
) -> dict[str, Decimal]:
    """Check one score sheet against the scheme; return every item of the scheme as points.

    Criteria must all be scored (an empty line is not a zero); bonus and penalty items are
    scored only when they apply, so a missing one counts 0. The lines that come from the drives
    are never typed: their points are `fixed` (0 where not given). Every line is checked before
    anything is refused, and all the violations are raised together (RuleViolations).
    """
    found: list[RuleViolation] = []
    known = set(scheme.item_codes)
    drives = scheme.drive_codes
    for code in sorted(scores):
        if code not in known:
            found.append(RuleViolation(f"scores.{code}", "không có trong thang điểm"))
        elif code in drives and scores[code] is not None:
            found.append(RuleViolation(f"scores.{code}", FROM_DRIVES))

    result: dict[str, Decimal] = {
        code: quantize_points((fixed or {}).get(code, Decimal(0))) for code in sorted(drives)
    }
    lines = [(c.code, c.max_points, c.step, True) for c in scheme.criteria]
    lines += [(i.code, i.max_points, i.step, False) for i in (*scheme.bonuses, *scheme.penalties)]
    for code, max_points, step, required in lines:
        if code in drives:
            continue
        field = f"scores.{code}"
        if code not in scores or scores[code] is None:
            if required:
                found.append(RuleViolation(field, "thiếu điểm"))
                continue
            raw: ScoreValue = Decimal(0)
        else:
            raw = scores[code]
        try:
            result[code] = _check_item(field, raw, max_points, step)
        except RuleViolation as exc:
            found.append(exc)

    bonus = sum((result.get(b.code, Decimal(0)) for b in scheme.bonuses), Decimal(0))
    if bonus > scheme.max_bonus:
        given = sum((result[b.code] for b in scheme.bonuses if b.code in drives), Decimal(0))
        of_which = f" (trong đó {format_points(given)} điểm từ các đợt thi đua)" if given else ""
        found.append(
            RuleViolation(
                "scores",
                f"tổng điểm thưởng {format_points(bonus)}{of_which} vượt quá mức tối đa "
                f"{format_points(scheme.max_bonus)}",
            )
        )
    raise_all(found)
    return result


def total_score(scheme: ScoringScheme, scores: Mapping[str, Decimal]) -> Decimal:
    """Criteria + bonuses - penalties; penalties can take a unit down to 0, never below."""
    criteria = sum((scores.get(c.code, Decimal(0)) for c in scheme.criteria), Decimal(0))
    bonuses = sum((scores.get(b.code, Decimal(0)) for b in scheme.bonuses), Decimal(0))
    penalties = sum((scores.get(p.code, Decimal(0)) for p in scheme.penalties), Decimal(0))
    return quantize_points(max(criteria + bonuses - penalties, Decimal(0)))


def running_total(scheme: ScoringScheme, scores: Mapping[str, ScoreValue]) -> Decimal:
    """The total of the lines that are valid so far, as a form shows it while being filled: a
    line that is empty or wrong counts 0 (the check says what is wrong with it)."""
    lines = [(c.code, c.max_points, c.step) for c in scheme.criteria]
    lines += [(i.code, i.max_points, i.step) for i in (*scheme.bonuses, *scheme.penalties)]
    valid: dict[str, Decimal] = {}
    for code, max_points, step in lines:
        raw = scores.get(code)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        try:
            valid[code] = _check_item(f"scores.{code}", raw, max_points, step)
        except RuleViolation:
            continue
    return total_score(scheme, valid)


def _mean_points(values: Sequence[Decimal]) -> Decimal:
    """The mean of totals in points (0.01), rounded as `fraction_to_points` rounds the exact
    mean, in whole cents: a nation's 90,000 peer totals without a Fraction each."""
    with localcontext() as ctx:
        ctx.traps[Inexact] = True  # never a rounded sum: fail loudly rather than publish one
        total = sum(values, Decimal(0))
    cents = total.scaleb(2)
    if cents != cents.to_integral_value():
        return fraction_to_points(Fraction(total) / len(values))  # not in cents: the long way
    sign = -1 if cents < 0 else 1
    whole, remainder = divmod(abs(int(cents)), len(values))
    if 2 * remainder >= len(values):
        whole += 1
    return Decimal(sign * whole).scaleb(-2)


def consolidate(
    rules: CycleRules,
    units: Sequence[str],
    self_totals: Mapping[str, Decimal],
    peer_totals: Mapping[str, Sequence[Decimal]],
) -> list[UnitScore]:
    """One UnitScore per unit, in `units` order.

    The consolidated score is computed from the peer mean as published (rounded to 0.01), so
    anyone can check it from the figures in the minutes.
    """
    weight = rules.self_weight
    out: list[UnitScore] = []
    for unit in units:
        own = self_totals.get(unit)
        own = None if own is None else quantize_points(own)
        peers = tuple(quantize_points(p) for p in peer_totals.get(unit, ()))
        peer_mean = _mean_points(peers) if peers else None
        gap: Decimal | None = None
        if own is not None and peer_mean is not None:
            consolidated = fraction_to_points(
                weight * Fraction(own) + (1 - weight) * Fraction(peer_mean)
            )
            gap = own - peer_mean
        elif own is not None:
            consolidated = own
        elif peer_mean is not None:
            consolidated = peer_mean
        else:
            consolidated = quantize_points(Decimal(0))
        out.append(
            UnitScore(
                unit=unit,
                self_total=own,
                peer_totals=peers,
                peer_mean=peer_mean,
                consolidated=consolidated,
                gap=gap,
                gap_flagged=gap is not None and abs(gap) > rules.gap_threshold,
                eligible=own is not None,
            )
        )
    return out


def tie_break_chain(rules: CycleRules) -> tuple[str, ...]:
    """The configured chain, always ending with the lot: the lot is the one key that cannot tie,
    so every ordering the rules produce is total and reproducible."""
    chain = tuple(rules.vote.tie_break)
    return chain if "lot" in chain else (*chain, "lot")


def rank_units(rules: CycleRules, scores: Sequence[UnitScore]) -> list[RankedUnit]:
    """Unique ranks 1..n by consolidated score; the proposed title is the best one reached,
    and only for units that assessed themselves."""
    lot = {u: i for i, u in enumerate(lot_order(rules.lot_seed, (s.unit for s in scores)))}

    def key(s: UnitScore) -> tuple[object, ...]:
        parts: list[object] = [-s.consolidated]
        for name in tie_break_chain(rules):
            parts.append(-s.consolidated if name == "score" else lot[s.unit])
        return tuple(parts)

    ranked: list[RankedUnit] = []
    for rank, s in enumerate(sorted(scores, key=key), start=1):
        title = None
        if s.eligible:
            title = next((t.title for t in rules.titles if t.min_score <= s.consolidated), None)
        # Built without validating again: every field but the two new ones is the UnitScore's,
        # validated already (this was a tenth of scoring a nation's 10,000 units).
        ranked.append(RankedUnit.model_construct(**dict(s), rank=rank, proposed_title=title))
    return ranked
