"""Moving the clock in tests (time-machine), in the platform's time zone."""

import datetime
import zoneinfo

import time_machine

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def moment(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def travel(day: datetime.date, hour: int, minute: int = 0):
    """The clock stopped at `hour:minute` on `day` (a context manager or start()/stop())."""
    return time_machine.travel(moment(day, hour, minute), tick=False)
