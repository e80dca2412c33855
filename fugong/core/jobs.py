"""Periodic jobs that run once per schedule slot across every node, and the workers'
heartbeat that /healthz reads."""

import functools

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from huey.contrib.djhuey import HUEY, db_periodic_task

from .models import JobTick

HEARTBEAT = "worker-heartbeat"


def claim(name, slot):
    """True for the first caller of this job's slot, False for every other (another node's
    scheduler enqueued the same run)."""

    if JobTick.objects.filter(name=name, slot__lt=slot).update(slot=slot, runs=F("runs") + 1):
        return True
    try:
        with transaction.atomic():
            JobTick.objects.create(name=name, slot=slot)
        return True
    except IntegrityError:
        return False


def periodic(schedule):
    """`db_periodic_task`, but each scheduled minute runs once, whichever scheduler enqueued
    it."""

    def wrap(fn):
        @functools.wraps(fn)
        def once(*args, **kwargs):
            slot = timezone.now().replace(second=0, microsecond=0)
            if not claim(f"{fn.__module__}.{fn.__name__}", slot):
                return None
            return fn(*args, **kwargs)

        return db_periodic_task(schedule)(once)

    return wrap


def beat():

    JobTick.objects.update_or_create(name=HEARTBEAT, defaults={"slot": timezone.now()})


@HUEY.on_startup()
def beat_on_startup():
    """A worker that starts says so at once (the periodic heartbeat follows every minute)."""

    try:
        beat()
    finally:
        connection.close()


def last_beat():

    tick = JobTick.objects.filter(name=HEARTBEAT).first()
    return tick.slot if tick else None
