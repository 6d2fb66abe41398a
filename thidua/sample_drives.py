"""The sample's four 2019 emulation drives of Cụm thi đua số 4 (shared/seed: "4 đợt thi đua gắn
với các đợt cao điểm tấn công trấn áp tội phạm và tệ nạn xã hội"), each launched by the
directorate, reported on by every unit, confirmed by the cluster leader and recorded, with one
commended unit. The article names neither the drives nor their dates: these are plausible ones,
tied to the usual peak periods of Hanoi police (Tết, spring festivals, the CAND anniversary on
19 August, the year's end)."""

from datetime import date

from sqlmodel import Session, select

from models import Drive
from thidua.services.context import get_actor
from thidua.services.drive_review import commend, confirm, record_results
from thidua.services.drives import launch, report

YEAR = 2019
TARGETS = (
    {"code": "TM", "name": "Tham mưu, bảo đảm phục vụ đợt cao điểm", "maximum": 50.0},
    {"code": "TT", "name": "Tuyên truyền, phát động phong trào", "maximum": 30.0},
    {"code": "KL", "name": "Chấp hành điều lệnh, kỷ luật", "maximum": 20.0},
)
DRIVES: tuple[tuple[str, str, date, date], ...] = (
    (
        "Cao điểm tấn công trấn áp tội phạm, bảo đảm an ninh trật tự Tết Nguyên đán Kỷ Hợi 2019",
        "Bảo đảm tuyệt đối an toàn các mục tiêu, sự kiện dịp Tết; phục vụ các đơn vị trinh sát, "
        "cảnh sát trên địa bàn Thủ đô.",
        date(2019, 1, 2),
        date(2019, 2, 28),
    ),
    (
        "Cao điểm tấn công trấn áp tội phạm và tệ nạn xã hội mùa lễ hội Xuân 2019",
        "Bảo đảm an ninh, trật tự các lễ hội, các sự kiện chính trị, đối ngoại tại Hà Nội.",
        date(2019, 3, 1),
        date(2019, 5, 31),
    ),
    (
        "Lập thành tích chào mừng 74 năm Ngày truyền thống CAND (19/8/1945 - 19/8/2019)",
        "Cao điểm tấn công trấn áp tội phạm, lập thành tích chào mừng Ngày truyền thống CAND "
        "và 15 năm Ngày hội toàn dân bảo vệ an ninh Tổ quốc.",
        date(2019, 6, 1),
        date(2019, 8, 19),
    ),
    (
        "Cao điểm tấn công trấn áp tội phạm, bảo đảm an ninh trật tự cuối năm 2019 và Tết "
        "Dương lịch 2020",
        "Tổng kết công tác năm, bảo đảm an ninh, trật tự dịp cuối năm và Tết Dương lịch 2020.",
        date(2019, 9, 1),
        date(2019, 12, 20),
    ),
)


def _scores(unit_index: int, drive_index: int) -> dict[str, float]:
    """Deterministic, varied results: each unit does better in some drives than in others."""
    spread = (unit_index * 7 + drive_index * 3) % 10
    return {"TM": 40.0 + spread, "TT": 22.0 + (spread * 3) % 8, "KL": 16.0 + spread % 5}


def load_sample_drives(
    session: Session, *, units: tuple[str, ...], leader: str, directorate: str, cluster: str
) -> int:
    """Idempotent: a drive already loaded (same name, same year) is not loaded again."""
    made = 0
    boss, chief = get_actor(session, directorate), get_actor(session, leader)
    for d, (name, theme, starts, ends) in enumerate(DRIVES):
        exists = session.exec(select(Drive).where(Drive.name == name, Drive.year == YEAR)).first()
        if exists is not None:
            continue
        drive = launch(
            session,
            actor=boss,
            name=name,
            theme=theme,
            starts_on=starts,
            ends_on=ends,
            targets=[dict(t) for t in TARGETS],
            clusters=[cluster],
        )
        assert drive.id is not None
        scores = {code: _scores(i, d) for i, code in enumerate(units)}
        for code, sheet in scores.items():
            officer = get_actor(session, f"canbo.{code.lower()}")
            report(session, actor=officer, drive_id=drive.id, scores=sheet, today=ends)
        best = max(scores, key=lambda c: (sum(scores[c].values()), c))
        confirm(
            session, actor=chief, drive_id=drive.id, cluster_code=cluster, propose=[best],
            today=ends,
        )  # fmt: skip
        record_results(session, drive.id)
        commend(session, actor=boss, drive_id=drive.id)
        made += 1
    return made
