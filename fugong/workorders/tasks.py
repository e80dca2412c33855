from huey import crontab
from huey.contrib.djhuey import HUEY

from fugong.core.jobs import periodic

from . import services, triage


@HUEY.on_startup()
def warm_triage():
    """A worker loads (or builds) the triage model when it starts, not on its first order."""
    triage.warm_up()


@periodic(crontab(minute="7"))
def escalate_overdue_orders():
    """Hourly: overdue orders escalate to the unit above (督办)."""
    return len(services.escalate_overdue())


@periodic(crontab(day_of_week="0", hour="3", minute="30"))
def retrain_triage():
    """Weekly: the triage model learns from the categories officers confirmed."""
    return services.retrain_triage()


@periodic(crontab(minute="*/15"))
def remind_due_orders():
    """Every quarter hour: units are reminded of orders whose deadline is near."""
    return len(services.remind_due_orders())


@periodic(crontab(hour="2", minute="15"))
def close_confirmed_by_silence():
    """Nightly: resolved orders the enterprise left unconfirmed for N days close."""
    return len(services.close_confirmed_by_silence())
