"""Bringing the database to what an organisation file states, in the caller's transaction.

Rows are matched by code and username, so importing the same file twice changes nothing. What
the file leaves out is never deleted: a unit or a person is retired from a year on; the
memberships of a year the file lists are replaced, unless a cycle of that year has started.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from models import (
    Actor,
    Campaign,
    Channel,
    ChannelKind,
    Cluster,
    Cycle,
    Membership,
    Movement,
    Role,
    TitleHistory,
    Unit,
)
from thidua.errors import Problem
from thidua.org.schema import OrgData, PersonRow
from thidua.services.cycles import this_year


@dataclass
class Plan:
    """What an import does (or, with --dry-run, would do)."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.retired)

    def summary(self) -> dict[str, list[str]]:
        return {"added": self.added, "changed": self.changed, "retired": self.retired}


def _diff(row: object, wanted: dict[str, object]) -> dict[str, tuple[object, object]]:
    return {k: (getattr(row, k), v) for k, v in wanted.items() if getattr(row, k) != v}


def _say(diff: dict[str, tuple[object, object]]) -> str:
    return "; ".join(
        f"{k}: {a if a not in (None, '') else '—'} → {b}" for k, (a, b) in diff.items()
    )


def _coded(
    session: Session, plan: Plan, model: type, label: str, rows: list[Any]
) -> dict[str, Any]:
    """Movements, clusters and units: added, or changed in place, by code."""
    found: list[Any] = list(session.exec(select(model)).all())
    by_code: dict[str, Any] = {r.code: r for r in found}
    for row in rows:
        wanted = row.model_dump(exclude={"code"})
        existing = by_code.get(row.code)
        if existing is None:
            existing = model(code=row.code, **wanted)
            session.add(existing)
            by_code[existing.code] = existing
            plan.added.append(f"{label} {existing.code} ({existing.name})")
        elif diff := _diff(existing, wanted):
            for k, (_, v) in diff.items():
                setattr(existing, k, v)
            plan.changed.append(f"{label} {existing.code}: {_say(diff)}")
    session.flush()
    return by_code


def _started(session: Session) -> set[tuple[int, int]]:
    """(year, cluster id) of every campaign: its memberships are history now."""
    return {
        (y, c)
        for y, c in session.exec(
            select(Cycle.year, Campaign.cluster_id).join(
                Campaign, col(Campaign.cycle_id) == col(Cycle.id)
            )
        ).all()
    }


def _memberships(
    session: Session, plan: Plan, data: OrgData, units: dict[str, Any], clusters: dict[str, Any]
) -> None:
    years = {m.year for _, m in data.memberships}
    if not years:
        return
    started = _started(session)
    cluster_code = {c.id: code for code, c in clusters.items()}
    unit_code = {u.id: code for code, u in units.items()}
    current = {
        (m.year, m.unit_id): m
        for m in session.exec(select(Membership).where(col(Membership.year).in_(years))).all()
    }
    wanted = set()
    for raw, m in data.memberships:
        unit, cluster = units[m.unit], clusters[m.cluster]
        wanted.add((m.year, unit.id))
        row = current.get((m.year, unit.id))
        what = f"thành viên năm {m.year}: {m.unit} ở cụm {m.cluster} ({m.role.value})"
        if row is not None and row.cluster_id == cluster.id and row.role == m.role:
            continue
        touched = {(m.year, cluster.id)} | ({(m.year, row.cluster_id)} if row else set())
        if touched & started:
            plan.problems.append(
                Problem.at(
                    raw.where("role"),
                    f"cụm '{m.cluster}' (hoặc cụm cũ của '{m.unit}') đã bắt đầu chu kỳ năm "
                    f"{m.year}: thành viên, Cụm trưởng, Cụm phó của năm đó không đổi được nữa",
                )
            )
            continue
        if row is None:
            session.add(
                Membership(cluster_id=cluster.id, unit_id=unit.id, year=m.year, role=m.role)
            )
            plan.added.append(what)
        else:
            before = f"{cluster_code[row.cluster_id]} ({row.role.value})"
            row.cluster_id, row.role, row.carried_over = cluster.id, m.role, False
            plan.changed.append(f"{what}; trước đây: {before}")
    for (year, unit_id), row in sorted(current.items()):
        if (year, unit_id) in wanted:
            continue
        what = f"thành viên năm {year}: {unit_code[unit_id]} rời cụm {cluster_code[row.cluster_id]}"
        if (year, row.cluster_id) in started:
            plan.problems.append(
                Problem.at(
                    f"memberships (năm {year})",
                    f"thiếu đơn vị '{unit_code[unit_id]}' của cụm "
                    f"'{cluster_code[row.cluster_id]}': cụm đã bắt đầu chu kỳ năm {year}",
                )
            )
            continue
        session.delete(row)
        plan.retired.append(what)


def _retire_units(session: Session, plan: Plan, data: OrgData, units: dict[str, Any]) -> None:
    listed = {u.code for _, u in data.units}
    for code, unit in sorted(units.items()):
        if code in listed or unit.retired_from is not None:
            continue
        last = session.exec(
            select(Membership.year)
            .where(Membership.unit_id == unit.id)
            .order_by(col(Membership.year).desc())
        ).first()
        if last is not None:
            unit.retired_from = last + 1
        else:  # its memberships were all in years the file lists without it
            unit.retired_from = min((m.year for _, m in data.memberships), default=this_year())
        plan.retired.append(
            f"đơn vị {code} ({unit.name}) thôi hoạt động từ năm {unit.retired_from}"
        )


def _channel(
    session: Session, plan: Plan, actor: Actor, kind: ChannelKind, address: str | None, new: bool
) -> None:
    rows = session.exec(
        select(Channel).where(Channel.actor_id == actor.id, Channel.kind == kind)
    ).all()
    active = [c for c in rows if c.active]
    if [c.address for c in active] == ([address] if address else []):
        return
    for c in active:
        if c.address != address:
            c.active = False
    if address is not None:
        same = next((c for c in rows if c.address == address), None)
        if same is None:
            assert actor.id is not None
            session.add(Channel(actor_id=actor.id, kind=kind, address=address))
        else:
            same.active = True
    if not new:
        old = ", ".join(c.address for c in active) or "—"
        plan.changed.append(f"người dùng {actor.username}: {kind.value}: {old} → {address or '—'}")


def _person_values(p: PersonRow, units: dict[str, Any]) -> dict[str, object]:
    # The e-mail is a channel (notifications read channels), not the actor's own column.
    return {
        "full_name": p.full_name,
        "rank": p.rank,
        "position": p.position,
        "unit_id": units[p.unit].id if p.unit else None,
        "role": p.role,
        "language": p.language,
        "retired_from": p.retired_from,
        "active": p.retired_from is None,
    }


def _people(
    session: Session, plan: Plan, data: OrgData, units: dict[str, Any], importer: Actor | None
) -> None:
    by_name = {a.username: a for a in session.exec(select(Actor)).all()}
    for raw, p in data.people:
        wanted = _person_values(p, units)
        actor = by_name.get(p.username)
        new = actor is None
        if actor is None:
            actor = Actor(username=p.username, **wanted)  # type: ignore[arg-type]
            session.add(actor)
            session.flush()
            plan.added.append(f"người dùng {p.username} ({p.full_name}, {p.role.value})")
        elif (
            importer is not None
            and actor.id == importer.id
            and not (p.role == Role.ADMIN and p.retired_from is None)
        ):
            # The admin's own file would take away the rights they are using: refused, so that
            # an import never leaves the organisation to an admin who has no secret yet.
            plan.problems.append(
                Problem.at(
                    raw.where("role" if p.role != Role.ADMIN else "retired_from"),
                    f"'{p.username}' là người nhập tệp: không tự bỏ quyền quản trị hay tự thôi "
                    "hoạt động được; để một quản trị viên khác làm việc này",
                )
            )
            continue
        elif diff := _diff(actor, wanted):
            for k, (_, v) in diff.items():
                setattr(actor, k, v)
            diff.pop("active", None)
            if "unit_id" in diff:
                ids = {u.id: c for c, u in units.items()}
                a, b = diff.pop("unit_id")
                diff["unit"] = (ids.get(a), ids.get(b))
            plan.changed.append(f"người dùng {p.username}: {_say(diff)}")
        _channel(session, plan, actor, ChannelKind.EMAIL, p.email, new)
        _channel(session, plan, actor, ChannelKind.WEBHOOK, p.webhook, new)
    listed = {p.username for _, p in data.people}
    for name, actor in sorted(by_name.items()):
        if name in listed or not actor.active:
            continue
        if importer is not None and actor.id == importer.id:
            plan.problems.append(
                Problem.at("people", f"thiếu người nhập tệp '{name}': không tự thôi hoạt động được")
            )
            continue
        actor.active, actor.retired_from = False, this_year()
        plan.retired.append(f"người dùng {name} thôi hoạt động từ năm {actor.retired_from}")
    if not any(p.role == Role.ADMIN and p.retired_from is None for _, p in data.people):
        plan.problems.append(Problem.at("people", "phải có ít nhất một quản trị viên (admin)"))


def _titles(session: Session, plan: Plan, data: OrgData, units: dict[str, Any]) -> None:
    for _, t in data.past_titles:
        unit = units[t.unit]
        row = session.exec(
            select(TitleHistory).where(
                TitleHistory.unit_id == unit.id,
                TitleHistory.year == t.year,
                TitleHistory.title == t.title,
            )
        ).first()
        wanted: dict[str, object] = {"decision_no": t.decision_no, "decided_on": t.decision_date}
        what = f"danh hiệu năm {t.year} của {t.unit}: {t.title or '(không đạt danh hiệu)'}"
        if row is None:
            session.add(
                TitleHistory(
                    unit_id=unit.id,
                    year=t.year,
                    title=t.title,
                    decision_no=t.decision_no,
                    decided_on=t.decision_date,
                )
            )
            plan.added.append(what)
        elif diff := _diff(row, wanted):
            for k, (_, v) in diff.items():
                setattr(row, k, v)
            plan.changed.append(f"{what}: {_say(diff)}")


def apply_org(
    session: Session, *, data: OrgData, importer: Actor | None, whole: bool = True
) -> Plan:
    """Write what the file states; `plan.problems` lists what the database refuses.

    With `whole` False only the past titles are applied (`thidua org history import`)."""
    plan = Plan()
    units = {u.code: u for u in session.exec(select(Unit)).all()}
    if whole:
        _coded(session, plan, Movement, "phong trào", [m for _, m in data.movements])
        clusters = _coded(session, plan, Cluster, "cụm", [c for _, c in data.clusters])
        units = _coded(session, plan, Unit, "đơn vị", [u for _, u in data.units])
        _memberships(session, plan, data, units, clusters)
        _retire_units(session, plan, data, units)
        _people(session, plan, data, units, importer)
    _titles(session, plan, data, units)
    session.flush()
    return plan
