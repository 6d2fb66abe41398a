"""thidua's deployments, defined once: `serve` (one machine) and `thidua deploy` (a work pool).

- `thidua-yearly-cycle/yearly-cycle`: starts a yearly cycle. Scheduled once a year in the
  organisation's time zone (1 November 07:00, Asia/Ho_Chi_Minh), for this year and every cluster
  with members this year; also run by hand from the UI or with `prefect deployment run`.
- `thidua-campaign/campaign`: one cluster's campaign; started by the cycle, never scheduled.
- `thidua-drive/drive`: one emulation drive's review (sơ kết); each run is created when the drive
  is launched, scheduled for the drive's end (`thidua drive launch`), never by a schedule here.
- `thidua-deadline-sweep/deadline-sweep`: wakes campaigns that may move on; runs often.

Entrypoints are module paths (`flows.campaign.campaign`): a worker runs the thidua installed on
its machine, so no image is built and no code is pulled.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from prefect import Flow
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron, Interval, Schedule
from prefect.types.entrypoint import EntrypointType

from deployments.names import POOL, YEARLY_CRON
from flows.campaign import campaign
from flows.drive import drive_review
from flows.sweep import deadline_sweep
from flows.yearly_cycle import yearly_cycle
from thidua.settings import get_settings

__all__ = ["POOL", "YEARLY_CRON", "Definition", "cycle_parameters", "deployments", "full_names"]

TAGS = ["thidua"]


@dataclass(frozen=True)
class Definition:
    name: str  # the deployment's name; its full name is "<flow name>/<name>"
    flow: Flow[..., Any]
    description: str

    @property
    def full_name(self) -> str:
        return f"{self.flow.name}/{self.name}"


DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        "yearly-cycle",
        yearly_cycle,
        "Bắt đầu chu kỳ thi đua hằng năm: cố định quy định, mở một đợt bình xét cho mỗi cụm.",
    ),
    Definition(
        "campaign",
        campaign,
        "Một đợt bình xét của một cụm qua năm giai đoạn (do chu kỳ khởi động).",
    ),
    Definition(
        "drive",
        drive_review,
        "Sơ kết một đợt thi đua: đơn vị báo cáo, Cụm trưởng xác nhận, ghi kết quả, giấy khen.",
    ),
    Definition(
        "deadline-sweep",
        deadline_sweep,
        "Đánh thức các đợt bình xét đã đến hạn hoặc đủ điều kiện chuyển giai đoạn.",
    ),
)


def full_names() -> list[str]:
    return [d.full_name for d in DEFINITIONS]


def cycle_parameters(
    *, movement: str = "VANTQ", admin: str = "quantri", rules: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What a scheduled cycle runs with; year and clusters are left out: this year, all."""
    return {"movement": movement, "admin": admin, **({"rules": rules} if rules else {})}


def deployments(
    *,
    sweep_every: timedelta = timedelta(minutes=1),
    yearly_cron: str | None = YEARLY_CRON,
    timezone: str | None = None,
    cycle: dict[str, Any] | None = None,
) -> list[RunnerDeployment]:
    """The four deployments. `yearly_cron=None` leaves the cycle unscheduled (manual runs only);
    `cycle` holds the yearly cycle's parameters (see `cycle_parameters`)."""
    parameters = cycle if cycle is not None else cycle_parameters()
    schedules: dict[str, list[Schedule]] = {
        "yearly-cycle": [
            Cron(
                yearly_cron,
                timezone=timezone or get_settings().timezone,
                parameters=parameters,
                slug="thidua-yearly",
            )
        ]
        if yearly_cron
        else [],
        "campaign": [],
        "drive": [],
        "deadline-sweep": [Interval(sweep_every, slug="thidua-sweep")],
    }
    # One sweep at a time, whatever the interval and however loaded the machine: a sweep due
    # while one still runs is cancelled at once instead of waiting for a process of its own.
    limits: dict[str, ConcurrencyLimitConfig | None] = {
        "deadline-sweep": ConcurrencyLimitConfig(
            limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
        )
    }
    built = []
    for d in DEFINITIONS:
        deployment = d.flow.to_deployment(
            name=d.name,
            description=d.description,
            entrypoint_type=EntrypointType.MODULE_PATH,
            tags=TAGS,
            schedules=schedules[d.name],
            parameters=parameters if d.name == "yearly-cycle" else {},
            concurrency_limit=limits.get(d.name),
        )
        assert isinstance(deployment, RunnerDeployment)  # called outside an event loop: sync
        built.append(deployment)
    return built
