"""What a YAML or JSON parser's complaint means, in Vietnamese, for the person who wrote the file.

PyYAML and the json module explain in English and in their own terms ("mapping values are not
allowed here"); the people filling thidua's forms are officers, not programmers. The common
complaints get a Vietnamese reason with the usual cause; any other keeps the parser's words after
a Vietnamese lead, so nothing is hidden.
"""

# (start of the parser's message, what it means); the first match wins, so longer starts first.
_YAML: tuple[tuple[str, str], ...] = (
    (
        "mapping values are not allowed here",
        "dấu ':' không được đứng ở đây (thiếu dấu cách sau ':', hoặc một giá trị có dấu ':' "
        'cần đặt trong dấu nháy "…")',
    ),
    ("could not find expected ':'", "thiếu dấu ':' sau tên trường (hoặc thụt lề sai)"),
    (
        "found character '\\t' that cannot start any token",
        "có ký tự tab: YAML chỉ thụt lề bằng dấu cách",
    ),
    (
        "found character",
        "ký tự '{0}' không được mở đầu một giá trị; hãy đặt giá trị trong dấu nháy \"…\"",
    ),
    ("found unexpected end of stream", 'tệp kết thúc giữa chừng (một dấu nháy "…" chưa đóng?)'),
    ("found unknown escape character", 'chuỗi trong dấu nháy kép có ký tự thoát "\\" không hợp lệ'),
    ("expected <block end>", "thụt lề không khớp với các dòng phía trên"),
    ("did not find expected key", "thụt lề sai, hoặc thiếu tên trường ở dòng này"),
    (
        "did not find expected '-' indicator",
        "thiếu dấu '-' của một phần tử danh sách (thụt lề sai?)",
    ),
    ("expected ',' or ']'", "danh sách trong [ … ] thiếu dấu ',' hoặc dấu ']' đóng"),
    ("expected ',' or '}'", "nhóm trong { … } thiếu dấu ',' hoặc dấu '}' đóng"),
    ("found undefined alias", "tham chiếu *{0} tới một mục chưa khai báo"),
    ("found duplicate anchor", "nhãn &… bị khai báo hai lần"),
    ("expected a comment or a line break", "có chữ thừa sau giá trị trên cùng một dòng"),
    ("found unexpected ':'", "dấu ':' thừa (giá trị có dấu ':' cần đặt trong dấu nháy)"),
)

_JSON: tuple[tuple[str, str], ...] = (
    ("Expecting property name enclosed in double quotes", 'tên trường phải trong dấu nháy kép "…"'),
    ("Expecting ',' delimiter", "thiếu dấu ',' giữa hai phần tử"),
    ("Expecting ':' delimiter", "thiếu dấu ':' sau tên trường"),
    ("Expecting value", "thiếu giá trị (hoặc dấu ',' thừa trước dấu đóng)"),
    ("Unterminated string", 'một chuỗi "…" chưa đóng'),
    ("Invalid control character", "chuỗi có ký tự điều khiển (xuống dòng trong chuỗi?)"),
    ("Invalid \\escape", 'chuỗi có ký tự thoát "\\" không hợp lệ'),
    ("Extra data", "có nội dung thừa sau phần dữ liệu"),
)


def _explain(message: str, known: tuple[tuple[str, str], ...]) -> str:
    for start, meaning in known:
        if message.startswith(start):
            # {0}: what the parser quoted (the character, the alias), as it quoted it.
            quoted = message.split("'")[1] if message.count("'") >= 2 else "?"
            return meaning.replace("{0}", quoted)
    return f"lỗi cú pháp ({message})"


def yaml_reason(problem: str) -> str:
    return _explain(problem, _YAML)


def json_reason(message: str) -> str:
    return _explain(message, _JSON)
