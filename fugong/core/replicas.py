"""Read replicas (the province tier): the list and statistics pages read from a PostgreSQL
streaming replica when `FUGONG_REPLICA_URL` is set (`DATABASE_REPLICA_URL`, its alias, too);
everything else reads the primary.

Who reads where:
- a GET (or HEAD) of a page named in `FUGONG_REPLICA_VIEWS` reads from the replica, unless
  the client wrote within the last `FUGONG_READ_YOUR_WRITES_SECONDS` (a cookie and, for the
  signed-in user, a cache stamp say so) — read-your-writes: nobody misses their own report;
- every write goes to the primary, and so does every read of the same request after its first
  write (`select_for_update` counts as a write), so a request never reads older data than it
  wrote;
- outside such a request — the worker (roll-forward, reminders, exports run as jobs), the
  command line, the API — everything reads the primary: nothing opts in there;
- a replica that does not answer, or lags more than `FUGONG_REPLICA_MAX_LAG_BYTES` of WAL
  behind the primary, is left alone: reads fall back to the primary (checked at most every
  `FUGONG_REPLICA_CHECK_SECONDS` per process), and `replica_status()` says why.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from django.db import models
    from django.http import HttpRequest, HttpResponse

PRIMARY = "default"
REPLICA = "replica"
COOKIE = "fugong_rw"


@dataclass
class Reads:
    """Where the current request's reads go: the replica until its first write."""

    replica: bool = False
    wrote: bool = False


_reads: ContextVar[Reads | None] = ContextVar("fugong_reads", default=None)


def configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    """Django's database router: reads to the replica only where a request opted in."""

    def db_for_read(self, model: type[models.Model], **hints: object) -> str | None:
        reads = _reads.get()
        return REPLICA if reads is not None and reads.replica else None

    def db_for_write(self, model: type[models.Model], **hints: object) -> str:
        reads = _reads.get()
        if reads is not None:
            reads.replica, reads.wrote = False, True
        return PRIMARY

    def allow_relation(self, obj1: models.Model, obj2: models.Model, **hints: object) -> bool:
        return True  # the replica holds the primary's data: one database

    def allow_migrate(self, db: str, app_label: str, **hints: object) -> bool:
        return db == PRIMARY


@contextmanager
def replica_reads() -> Iterator[Reads]:
    """Read from the replica (until the first write) inside the block, if it is usable."""
    reads = Reads(replica=usable())
    token = _reads.set(reads)
    try:
        yield reads
    finally:
        _reads.reset(token)


@contextmanager
def on_primary() -> Iterator[None]:
    """Everything inside the block reads the primary, whatever the request opted into."""
    token = _reads.set(None)
    try:
        yield
    finally:
        _reads.reset(token)


# --- is the replica usable? ----------------------------------------------------------------

_checked: dict[str, object] = {"at": None, "status": ""}


def replica_status() -> str:
    """ "ok", "down" (no answer), "lagging" (too far behind), "not_a_replica" or "" (none
    configured); checked now."""
    if not configured():
        return ""
    replica = connections[REPLICA]
    try:
        with replica.cursor() as cursor:
            if replica.vendor != "postgresql":
                cursor.execute("SELECT 1")
                return "ok"
            cursor.execute("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()")
            in_recovery, replayed = cursor.fetchone()
    except DatabaseError:
        replica.close()  # reconnect on the next check
        return "down"
    if not in_recovery:
        return "not_a_replica"
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", [replayed])
        behind = cursor.fetchone()[0]
    return "lagging" if behind > settings.FUGONG_REPLICA_MAX_LAG_BYTES else "ok"


def usable() -> bool:
    """Whether reads may go to the replica now (the last check, at most a few seconds old)."""
    if not configured():
        return False
    now = time.monotonic()
    at = _checked["at"]
    if at is None or now - at >= settings.FUGONG_REPLICA_CHECK_SECONDS:
        _checked["status"], _checked["at"] = replica_status(), now
    return _checked["status"] == "ok"


# --- the pages that read from it --------------------------------------------------------------


def _stamp_key(user_pk: object) -> str:
    return f"fugong:rw:{user_pk}"


def wrote_recently(request: HttpRequest) -> bool:
    if request.COOKIES.get(COOKIE):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.pk and cache.get(_stamp_key(user.pk)))


class ReplicaReadsMiddleware:
    """Opts the GETs of `FUGONG_REPLICA_VIEWS` into replica reads; remembers a client that
    wrote (cookie and cache stamp) so that its next reads stay on the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reads = Reads()
        token = _reads.set(reads)
        try:
            response = self.get_response(request)
        finally:
            _reads.reset(token)
        if reads.wrote and configured():
            seconds = settings.FUGONG_READ_YOUR_WRITES_SECONDS
            response.set_cookie(COOKIE, "1", max_age=seconds, httponly=True, samesite="Lax")
            user = getattr(request, "auth", None) or getattr(request, "user", None)
            if user is not None and getattr(user, "pk", None):
                cache.set(_stamp_key(user.pk), 1, seconds)
        return response

    def process_view(self, request: HttpRequest, view: Callable, args: tuple, kwargs: dict) -> None:
        match = request.resolver_match
        if (
            configured()
            and request.method in ("GET", "HEAD")
            and match is not None
            and match.view_name in settings.FUGONG_REPLICA_VIEWS
        ):
            # who is asking is read first, from the primary: a session just written (a login)
            # may not have reached the replica yet
            if not wrote_recently(request) and usable():
                reads = _reads.get()
                if reads is not None and not reads.wrote:
                    reads.replica = True
