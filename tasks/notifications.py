"""Sending notifications from the outbox as a Prefect task (notifications/delivery.py works).

The deadline sweep runs `deliver_outbox` with retries. The campaign flow calls
`send_notifications` after each step, before it suspends: that call never raises and is bounded
by a short time budget, so a mail server or webhook that is down never fails or holds a stage.
"""

import logging
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import MissingContextError
from prefect.tasks import exponential_backoff

from notifications.delivery import deliver_pending, has_work
from notifications.smtp import NO_SMTP


@task(
    name="Gửi thông báo",
    task_run_name="Gửi các thông báo đang chờ",
    retries=3,
    retry_delay_seconds=exponential_backoff(backoff_factor=5),
    retry_jitter_factor=0.5,
    cache_policy=NO_CACHE,
)
def deliver_outbox(limit: int = 200, budget_seconds: float = 60.0) -> dict[str, Any]:
    """Send the messages that are due; a retry only follows a database error."""
    report = deliver_pending(limit=limit, budget_seconds=budget_seconds)
    logger = get_run_logger()
    if report.claimed:
        logger.info(
            "Thông báo: đã gửi %d, thử lại sau %d, bỏ %d",
            report.sent,
            report.retrying,
            report.failed,
        )
    for error in sorted(set(report.errors) - {NO_SMTP}):
        logger.warning("Thông báo chưa gửi được: %s", error)
    return report.as_dict()


def send_notifications(budget_seconds: float = 15.0) -> None:
    """The campaign flow's call: deliver what is due now, never raise, never retry here (the
    messages keep their own backoff in the outbox and the sweep tries again). A plain call,
    not a task run: a retry would add nothing the outbox does not already do, and a campaign's
    runs stay readable in the UI."""
    try:
        if not has_work():  # most steps cause nothing to send
            return
        report = deliver_pending(limit=100, budget_seconds=budget_seconds)
        if report.claimed:
            _logger().info(
                "Thông báo: đã gửi %d, thử lại sau %d, bỏ %d",
                report.sent,
                report.retrying,
                report.failed,
            )
        for error in sorted(set(report.errors) - {NO_SMTP}):
            _logger().warning("Thông báo chưa gửi được: %s", error)
    except Exception as exc:
        _logger().warning("Chưa gửi được thông báo (sẽ thử lại): %s", exc)


def _logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger(__name__)
