"""Where on the portal each entry of "Việc của tôi" (services/pending.py) is done: the page
of the command the entry names, for the role that does it. None: not on the web."""

from models import Role
from thidua.services.pending import PendingItem

# The command an entry names (its first words) -> the campaign's page, per role.
PAGES: tuple[tuple[str, Role | None, str], ...] = (
    ("thidua form self-assessment", Role.UNIT_OFFICER, "/self-assessment"),
    ("thidua form review", Role.UNIT_OFFICER, "/reviews"),
    ("thidua form ballot", Role.UNIT_OFFICER, "/ballot"),
    ("thidua submit explanation", Role.UNIT_OFFICER, "/explanation"),
    ("thidua confirm", Role.CLUSTER_LEADER, "/lead"),
    ("thidua return", Role.CLUSTER_LEADER, "/lead"),
    ("thidua chair decide", Role.CLUSTER_LEADER, "/lead"),
    ("thidua confirm", Role.DIRECTORATE, "/decide"),
    ("thidua chair decide", Role.DIRECTORATE, "/decide"),
    ("thidua decide", Role.DIRECTORATE, "/decide"),
)


def page_of(item: PendingItem, role: Role) -> str | None:
    for command, who, path in PAGES:
        if item.command.startswith(command + " ") and who == role:
            return f"/campaigns/{item.campaign_id}{path}"
    return None
