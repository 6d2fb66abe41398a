"""Sample rules modelled on Cụm thi đua số 4, CATP Hà Nội (2019): the demo's starting point and
a realistic fixture for tests. A real cluster adapts them before its cycle starts."""

from decimal import ROUND_FLOOR, Decimal

from rules.config import (
    Adjustment,
    Criterion,
    CriterionGroup,
    CycleRules,
    Prerequisite,
    ScoringScheme,
    TitleRule,
)
from rules.scoring import CENT, validate_scores

TITLE_QUYET_THANG = "Đơn vị Quyết thắng"
TITLE_TIEN_TIEN = "Đơn vị tiên tiến"
FLAG_TITLE = "Cờ luân lưu"


def _d(value: str) -> Decimal:
    return Decimal(value)


def default_scheme() -> ScoringScheme:
    return ScoringScheme(
        name="Thang điểm thi đua Cụm thi đua số 4 - Công an thành phố Hà Nội",
        total_points=_d("100"),
        groups=(
            CriterionGroup(
                code="XDD",
                name="Công tác xây dựng Đảng",
                criteria=(
                    Criterion(
                        code="XDD1",
                        name="Quán triệt, thực hiện Nghị quyết Trung ương 4 khóa XII về "
                        "tăng cường xây dựng, chỉnh đốn Đảng",
                        max_points=_d("5"),
                    ),
                    Criterion(
                        code="XDD2",
                        name="Đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách "
                        "Hồ Chí Minh (Chỉ thị số 05-CT/TW)",
                        max_points=_d("5"),
                    ),
                    Criterion(
                        code="XDD3",
                        name="Tổ chức cơ sở đảng được xếp loại “Hoàn thành tốt nhiệm vụ” trở lên",
                        max_points=_d("5"),
                        kind="quantitative",
                        target="100% chi bộ hoàn thành tốt nhiệm vụ trở lên",
                    ),
                ),
            ),
            CriterionGroup(
                code="XDLL",
                name="Công tác xây dựng lực lượng",
                criteria=(
                    Criterion(
                        code="XDLL1",
                        name="Giáo dục chính trị, tư tưởng; thực hiện 6 điều Bác Hồ dạy CAND",
                        max_points=_d("5"),
                    ),
                    Criterion(
                        code="XDLL2",
                        name="Đào tạo, huấn luyện, bồi dưỡng nghiệp vụ cho cán bộ, chiến sĩ",
                        max_points=_d("5"),
                        kind="quantitative",
                        target="100% CBCS tham gia huấn luyện, kiểm tra đạt yêu cầu",
                    ),
                    Criterion(
                        code="XDLL3",
                        name="Chấp hành điều lệnh, siết chặt kỷ luật, kỷ cương; "
                        "xây dựng văn hóa công sở",
                        max_points=_d("5"),
                    ),
                    Criterion(
                        code="XDLL4",
                        name="Cán bộ, chiến sĩ được xếp loại hoàn thành tốt nhiệm vụ trở lên",
                        max_points=_d("5"),
                        kind="quantitative",
                        target="Từ 90% CBCS trở lên",
                    ),
                ),
            ),
            CriterionGroup(
                code="CM",
                name="Thực hiện nhiệm vụ chuyên môn",
                criteria=(
                    Criterion(
                        code="CM1",
                        name="Hoàn thành các chỉ tiêu, mục tiêu công tác năm được CATP giao",
                        max_points=_d("15"),
                        kind="quantitative",
                        target="100% chỉ tiêu được giao",
                    ),
                    Criterion(
                        code="CM2",
                        name="Tham mưu cho Đảng ủy, Ban Giám đốc các chủ trương, kế hoạch công tác",
                        max_points=_d("10"),
                    ),
                    Criterion(
                        code="CM3",
                        name="Tham gia các đợt cao điểm tấn công trấn áp tội phạm và tệ nạn "
                        "xã hội (2,5 điểm mỗi đợt)",
                        max_points=_d("10"),
                        kind="per_occurrence",
                        step=_d("2.5"),
                    ),
                    Criterion(
                        code="CM4",
                        name="Ứng dụng khoa học công nghệ, cải cách hành chính trong công tác",
                        max_points=_d("5"),
                    ),
                ),
            ),
            CriterionGroup(
                code="PT",
                name="Phong trào thi đua “Vì an ninh Tổ quốc” và hoạt động của Cụm",
                criteria=(
                    Criterion(
                        code="PT1",
                        name="Phát động, đăng ký, ký kết giao ước thi đua; sơ kết, tổng kết "
                        "các đợt thi đua",
                        max_points=_d("5"),
                    ),
                    Criterion(
                        code="PT2",
                        name="Xây dựng, nhân rộng điển hình tiên tiến, mô hình hay "
                        "(1 điểm mỗi mô hình được CATP công nhận)",
                        max_points=_d("5"),
                        kind="per_occurrence",
                        step=_d("1"),
                    ),
                    Criterion(
                        code="PT3",
                        name="Tham gia hoạt động của Cụm; công tác dân vận, "
                        "hoạt động “uống nước nhớ nguồn”",
                        max_points=_d("5"),
                    ),
                ),
            ),
            CriterionGroup(
                code="HC",
                name="Công tác hậu cần, tài chính và chế độ báo cáo",
                criteria=(
                    Criterion(
                        code="HC1",
                        name="Quản lý, sử dụng ngân sách, tài sản, phương tiện đúng quy định",
                        max_points=_d("5"),
                    ),
                    Criterion(
                        code="HC2",
                        name="Thực hiện chế độ báo cáo thi đua, khen thưởng đúng thời hạn",
                        max_points=_d("5"),
                        kind="quantitative",
                        target="100% báo cáo gửi đúng hạn",
                    ),
                ),
            ),
        ),
        bonuses=(
            Adjustment(
                code="THUONG1",
                name="Có thành tích đột xuất, đặc biệt được Bộ Công an, UBND Thành phố "
                "khen thưởng (1 điểm mỗi lần)",
                max_points=_d("3"),
                step=_d("1"),
            ),
            Adjustment(
                code="THUONG2",
                name="Có sáng kiến được CATP công nhận, áp dụng (1 điểm mỗi sáng kiến)",
                max_points=_d("2"),
                step=_d("1"),
            ),
            Adjustment(
                code="THUONG3",
                name="Được Ban Giám đốc CATP biểu dương (0,5 điểm mỗi lần)",
                max_points=_d("2"),
                step=_d("0.5"),
            ),
        ),
        penalties=(
            Adjustment(
                code="TRU1",
                name="Cán bộ, chiến sĩ vi phạm kỷ luật bị xử lý từ khiển trách trở lên "
                "(2 điểm mỗi trường hợp)",
                max_points=_d("10"),
                step=_d("2"),
            ),
            Adjustment(
                code="TRU2",
                name="Để xảy ra vụ việc đột xuất, bất ngờ thuộc trách nhiệm của đơn vị "
                "(5 điểm mỗi vụ việc)",
                max_points=_d("10"),
                step=_d("5"),
            ),
            Adjustment(
                code="TRU3",
                name="Chậm gửi báo cáo, hồ sơ thi đua theo quy định (0,5 điểm mỗi lần)",
                max_points=_d("3"),
                step=_d("0.5"),
            ),
        ),
        max_bonus=_d("5"),
    )


def default_rules(*, lot_seed: str = "") -> CycleRules:
    return CycleRules(
        scheme=default_scheme(),
        titles=(
            TitleRule(title=TITLE_QUYET_THANG, min_score=_d("90")),
            TitleRule(title=TITLE_TIEN_TIEN, min_score=_d("75")),
        ),
        flag_title=FLAG_TITLE,
        flag_requires=TITLE_QUYET_THANG,  # the flag is for a unit that is Quyết thắng that year
        quotas={TITLE_QUYET_THANG: 4},
        # The flag goes to a unit that already earned the top title the year before.
        prerequisites=(Prerequisite(title=FLAG_TITLE, requires=TITLE_QUYET_THANG, years=1),),
        lot_seed=lot_seed,
    )


def example_scores(scheme: ScoringScheme, quality: float) -> dict[str, Decimal]:
    """A valid sheet scoring each criterion at about `quality` of its maximum (clamped to 0..1),
    rounded down to its step; no bonus or penalty, and none of the lines thidua computes from
    the drives (a unit does not type them)."""
    share = min(max(Decimal(str(quality)), Decimal(0)), Decimal(1))
    scores: dict[str, Decimal] = {}
    for c in scheme.criteria:
        if c.from_drives:
            continue
        step = c.step or CENT
        steps = (share * c.max_points / step).to_integral_value(rounding=ROUND_FLOOR)
        scores[c.code] = steps * step
    checked = validate_scores(scheme, scores)
    drives = scheme.drive_codes  # a property that walks the scheme: once, not once per line
    return {k: v for k, v in checked.items() if k not in drives}
