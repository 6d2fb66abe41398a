"""The names an operator types (work pool, yearly schedule), apart from the deployments
themselves: the CLI shows them in its help without importing Prefect."""

POOL = "thidua-process"
YEARLY_CRON = "0 7 1 11 *"  # 07:00 on 1 November, local time: the year's conferences follow
