"""Periodic jobs that run once per schedule slot across every node, and the workers'
heartbeat that /healthz reads."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, TypeVar

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from huey.contrib.djhuey import HUEY, db_periodic_task

from .models import JobTick

Task = TypeVar("Task", bound="Callable")

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime
    from typing import Any


HEARTBEAT = "worker-heartbeat"


def claim(name: str, slot: str) -> bool | None:
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


def periodic(schedule: Callable[[datetime], bool]) -> Callable[[Task], Task]:
    """`db_periodic_task`, but each scheduled minute runs once, whichever scheduler enqueued
    it."""

    def wrap(fn: Task) -> Task:
        @functools.wraps(fn)
        def once(*args: Any, **kwargs: Any) -> Any:
            slot = timezone.now().replace(second=0, microsecond=0)
            if not claim(f"{fn.__module__}.{fn.__name__}", slot):
                return None
            return fn(*args, **kwargs)

        return db_periodic_task(schedule)(once)

    return wrap


def beat() -> None:

    JobTick.objects.update_or_create(name=HEARTBEAT, defaults={"slot": timezone.now()})


@HUEY.on_startup()
def beat_on_startup() -> None:
    """A worker that starts says so at once (the periodic heartbeat follows every minute)."""

    try:
        beat()
    finally:
        connection.close()


def last_beat() -> str | None:

    tick = JobTick.objects.filter(name=HEARTBEAT).first()
    return tick.slot if tick else None
