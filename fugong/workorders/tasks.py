from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(minute="7"))
def escalate_overdue_orders():
    """Hourly: overdue orders escalate to the unit above (督办)."""
    return len(services.escalate_overdue())
