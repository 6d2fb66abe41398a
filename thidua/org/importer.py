"""`thidua org import`: read the file, check it whole, apply it in one transaction."""

import hashlib
from pathlib import Path

from sqlmodel import Session, select

from models import Actor, Role, Unit
from thidua.errors import InvalidInput, Problem
from thidua.org.apply import Plan, apply_org
from thidua.org.check import OrgProblems, check_whole, parse_rows
from thidua.org.schema import OrgData, RawRow
from thidua.services import audit
from thidua.services.access import require_role

SUFFIXES = (".yaml", ".yml", ".xlsx")


def read_sheets(path: Path) -> tuple[dict[str, list[RawRow]], list[Problem]]:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from thidua.org.read_xlsx import read_xlsx

        return read_xlsx(path)
    if suffix in (".yaml", ".yml"):
        from thidua.org.read_yaml import read_yaml

        return read_yaml(path)
    raise InvalidInput("file", f"chỉ nhận tệp .xlsx, .yaml hoặc .yml (nhận được '{path.name}')")


def read_org(path: Path, *, known_units: set[str] | None = None) -> OrgData:
    """The checked content of the file; OrgProblems lists every problem found."""
    sheets, problems = read_sheets(path)
    data = parse_rows(sheets, problems)
    check_whole(data, problems, known_units=known_units or set())
    if problems:
        raise OrgProblems(problems)
    return data


def import_org(
    session: Session, *, path: Path, importer: Actor | None, history_only: bool = False
) -> Plan:
    """Apply the file in the session's transaction; the caller rolls back for a dry run.

    `importer` None is the first import into an empty organisation, before anyone has a
    secret: allowed only while there is no one at all."""
    if importer is None:
        if session.exec(select(Actor.id)).first() is not None:
            raise InvalidInput("actor", "phải có --actor (quản trị viên) khi đã có người dùng")
    else:
        require_role(importer, Role.ADMIN, "nhập dữ liệu tổ chức")
    known = set(session.exec(select(Unit.code)).all()) if history_only else set()
    data = read_org(path, known_units=known)
    if history_only and any(
        (data.movements, data.clusters, data.units, data.memberships, data.people)
    ):
        raise InvalidInput("file", "`org history import` chỉ nhận trang past_titles")
    plan = apply_org(session, data=data, importer=importer, whole=not history_only)
    if plan.problems:
        raise OrgProblems(plan.problems)
    if not plan.empty:
        audit.record(
            session,
            actor=importer,
            action="org.history_import" if history_only else "org.import",
            entity="organisation",
            entity_id=path.name,
            after={
                "file_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "added": len(plan.added),
                "changed": len(plan.changed),
                "retired": len(plan.retired),
            },
        )
    return plan
