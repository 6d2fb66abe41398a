"""What a person's role reads as in the CLI's tables.

A cluster leader's account belongs to a unit, and that unit leads a cluster only in the years it
was elected: the label names the cluster and the years, or says the unit leads none.
"""

from collections import defaultdict

from sqlmodel import Session, col, select

from models import Actor, Cluster, MemberRole, Membership, Role
from models.org import ROLE_LABELS


def role_labels(session: Session, actors: list[Actor]) -> dict[str, str]:
    """username → label, e.g. "Cụm trưởng Cụm thi đua số 4 (năm 2019)"."""
    units = [a.unit_id for a in actors if a.role == Role.CLUSTER_LEADER and a.unit_id]
    led: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    if units:
        for m, c in session.exec(
            select(Membership, Cluster)
            .join(Cluster, col(Cluster.id) == col(Membership.cluster_id))
            .where(col(Membership.unit_id).in_(units), Membership.role == MemberRole.LEADER)
            .order_by(col(Membership.year))
        ).all():
            led[m.unit_id][c.name].append(m.year)
    labels: dict[str, str] = {}
    for a in actors:
        if a.role != Role.CLUSTER_LEADER:
            labels[a.username] = ROLE_LABELS[a.role]
            continue
        clusters = led.get(a.unit_id or 0)
        if clusters:
            labels[a.username] = "; ".join(
                f"Cụm trưởng {name} (năm {', '.join(map(str, years))})"
                for name, years in clusters.items()
            )
        else:
            labels[a.username] = "Chỉ huy đơn vị (không là Cụm trưởng)"
    return labels
