"""Links into the Prefect UI, for messages, forms and the CLI.

Only Prefect's settings are read (imported when a link is made), never its API client: a
message rendered inside a transaction must not wait on the network.
"""

from uuid import UUID


def ui_url(flow_run_id: UUID | str | None = None) -> str:
    """The Prefect UI page of a flow run (or of all runs); "" when no Prefect API is set."""
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL

    base = PREFECT_UI_URL.value() or (PREFECT_API_URL.value() or "").removesuffix("/api")
    if not base:
        return ""
    return f"{base}/runs/flow-run/{flow_run_id}" if flow_run_id else f"{base}/runs"


def artifact_key(campaign_id: int, name: str) -> str:
    """The key of a campaign's artifact (tasks/artifacts.py makes them under this key)."""
    return f"c{campaign_id}-{name}"


def artifact_url(key: str) -> str:
    """The Prefect UI page of the latest artifact under `key`; "" when no Prefect API is set."""
    runs = ui_url()
    return f"{runs.removesuffix('/runs')}/artifacts/key/{key}" if runs else ""
