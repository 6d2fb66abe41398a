"""Sample variables of the YAML form templates (thidua/forms/templates), as thidua/forms/
yaml_form.form_data builds them: for tests/unit/test_documents.py's every-template check."""

import datetime as dt
from typing import Any


def form_sample() -> dict[str, Any]:
    unit = {"code": "PHC", "name": "Phòng Hậu cần"}
    scores = {"XDD1": "4.5", "THUONG1": "1"}
    drive = {  # the lines computed from the year's drives, as yaml_form._drive gives them
        "DTD": {"points": "8.6", "explanation": "đạt bình quân 86% điểm tối đa của 4 đợt"},
        "THUONG4": {"points": "", "explanation": "tính khi mở giai đoạn tự chấm điểm"},
    }
    return {
        "f": {
            "title": "PHIẾU TỰ CHẤM ĐIỂM THI ĐUA",
            "kind": "self-assessment",
            "run_name": "2019 · Cụm thi đua số 4 · Vì an ninh Tổ quốc",
            "campaign_id": 7,
            "unit": {"code": "PTM", "name": "Phòng Tham mưu"},
            "actor": {"username": "canbo.ptm", "name": "Cán bộ Phòng Tham mưu"},
            "due_at": dt.datetime(2019, 11, 28, 10, 0, tzinfo=dt.UTC),
            "stage_open": True,
            "command": "thidua submit self-assessment --campaign 7 --actor canbo.ptm",
            "scheme": {
                "name": "Thang điểm Cụm thi đua số 4",
                "total": "5",
                "groups": [
                    {
                        "code": "XDD",
                        "name": "Công tác xây dựng Đảng",
                        "max": "5",
                        "criteria": [
                            {
                                "code": "XDD1",
                                "name": "Quán triệt Nghị quyết",
                                "max": "5",
                                "step": "0.5",
                                "kind": "định tính",
                                "target": "100% chi bộ",
                                "from_drives": False,
                            },
                            {
                                "code": "DTD",
                                "name": "Kết quả các đợt thi đua",
                                "max": "10",
                                "step": None,
                                "kind": "định lượng",
                                "target": None,
                                "from_drives": True,
                            },
                        ],
                    }
                ],
                "bonuses": [
                    {"code": "THUONG1", "name": "Đột xuất", "max": "3", "step": "1"}
                    | {"from_drives": False},
                    {"code": "THUONG4", "name": "Giấy khen đợt thi đua", "max": "2", "step": None}
                    | {"from_drives": True},
                ],
                "penalties": [{"code": "TRU1", "name": "Vi phạm", "max": "10", "step": None}],
                "max_bonus": "5",
            },
            "own": scores,
            "drive": drive,
            "version": 1,
            "returned_comment": "Bổ sung minh chứng",
            "achievements": "Dẫn đầu",
            "shortcomings": "",
            "evidence": ["bao-cao.pdf"],
            "reviewees": [{**unit, "scores": scores, "comment": "Tốt", "drive": drive}],
            "questions": [
                {
                    "key": "leader",
                    "text": "Cụm trưởng năm sau",
                    "choose": 1,
                    "note": "",
                    "candidates": [unit],
                }
            ],
            "titles": [{**unit, "title": "Đơn vị Quyết thắng"}],
            "voted": False,
            "notes": [],
        }
    }
