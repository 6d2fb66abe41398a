"""The panels of `thidua --help`: commands grouped by who uses them."""

EVERYONE = "Mọi người dùng: xem việc, xem tình hình, ủy quyền"
OFFICER = "Cán bộ đơn vị"
LEADER = "Cụm trưởng"
APPROVERS = "Cụm trưởng và Ban Giám đốc"
DIRECTORATE = "Ban Giám đốc"
ADMIN = "Quản trị"
OPERATIONS = "Vận hành (máy chủ, worker, kiểm tra)"
