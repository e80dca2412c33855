from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(minute="7"))
def escalate_overdue_orders():
    """Hourly: overdue orders escalate to the unit above (督办)."""
    return len(services.escalate_overdue())


@db_periodic_task(crontab(day_of_week="0", hour="3", minute="30"))
def retrain_triage():
    """Weekly: the triage model learns from the categories officers confirmed."""
    return services.retrain_triage()
