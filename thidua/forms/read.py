"""Reading a filled form: YAML or JSON (thidua/cli/files.py, capped and strict), or an Excel form
written by `thidua form … --xlsx` (thidua/forms/xlsx_read.py, imported only for one)."""

from pathlib import Path

from thidua.cli.files import load_data
from thidua.errors import InvalidInput
from thidua.forms.filled import Filled

SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")


def read_form(path: Path, name: str = "file") -> Filled:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidInput(
            name, f"chỉ nhận tệp .yaml, .yml, .json hoặc .xlsx (nhận được '{path.name}')"
        )
    if suffix == ".xlsx":
        from thidua.forms.xlsx_read import read_xlsx

        return read_xlsx(path, name)
    return Filled(load_data(path, name))
