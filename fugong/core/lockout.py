"""Keeping password guessing out without handing out a denial of service.

Every failed login counts three times: for the account (from anywhere), for the account from
this client, and for this client (over every account: password spraying). Each count allows a
few failures free, then each further failure makes that key wait longer (30 s, doubling, at
most 15 minutes); while a key waits, its attempts are refused without looking at the password
and without counting. The answer is the same whether or not the account exists (names that
do not exist are counted in the cache just as accounts are in the database).

The account's own wait is the one a stranger could impose on the real user, so the real user
can lift it: an administrator's password reset clears it (`PasswordPolicyValidator`), and a
user with a second factor is not held by it at all (the password alone opens nothing; the
successful second-factor login then clears it).

The client's address is REMOTE_ADDR, or — only when the request comes from one of
FUGONG_TRUSTED_PROXIES — the last X-Forwarded-For hop that is not itself a trusted proxy.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db.models import F

from .models import User

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.http import HttpRequest

    from .permissions import Actor


FREE = {"account": 10, "pair": 3, "client": 30}  # failures allowed before waits begin
FIRST_WAIT = 30  # seconds, doubling with each further failure
MAX_WAIT = 15 * 60
REMEMBER = 24 * 3600  # a key's failures are forgotten a day after the last one


def _networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [
        ipaddress.ip_network(n, strict=False)
        for n in getattr(settings, "FUGONG_TRUSTED_PROXIES", [])
    ]


def _trusted(
    address: str, networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]
) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in n for n in networks)


def client_ip(request: HttpRequest) -> str:
    """The client's address, trusting X-Forwarded-For only from the configured proxies."""
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _networks()
    if not networks or not _trusted(remote, networks):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):  # the right-most hops were added by our own proxies
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote  # a forged, malformed header: the proxy's own address
    return remote


def wait_after(failures: int, free: int) -> int:
    """Seconds to wait after `failures` failures in a row, of which `free` cost nothing."""
    if failures <= free:
        return 0
    return min(FIRST_WAIT * 2 ** (failures - free - 1), MAX_WAIT)


def _key(kind: str, *parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"login:{kind}:{digest}"


def _keys(request: HttpRequest, name: str, user: Actor) -> dict:
    ip = client_ip(request)
    keys = {"pair": _key("pair", name, ip), "client": _key("client", ip)}
    if user is None:
        keys["account"] = _key("name", name)
    return keys


def waiting(request: HttpRequest, name: str, user: Actor, now: float | None = None) -> int:
    """Seconds this attempt must still wait (0: go ahead and check the password); `now` is a
    Unix time (the clock by default)."""
    now = time.time() if now is None else now
    left = [
        state["until"] - now
        for state in cache.get_many(list(_keys(request, name, user).values())).values()
    ]
    if user is not None and user.locked_until and not user.totp_secret:
        left.append(user.locked_until.timestamp() - now)
    return max([0, *(int(s) + 1 for s in left if s > 0)])


def record_failure(request: HttpRequest, name: str, user: Actor, now: float | None = None) -> int:
    """Count a failure on every key; returns the account's failures in a row (known users)."""
    now = time.time() if now is None else now
    keys = _keys(request, name, user)
    states = cache.get_many(list(keys.values()))
    updates = {}
    for kind, key in keys.items():
        n = states.get(key, {}).get("n", 0) + 1
        updates[key] = {"n": n, "until": now + wait_after(n, FREE[kind])}
    cache.set_many(updates, REMEMBER)
    if user is None:
        return 0
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    failures = User.objects.values_list("failed_logins", flat=True).get(pk=user.pk)
    wait = wait_after(failures, FREE["account"])
    user.failed_logins = failures
    user.locked_until = datetime.fromtimestamp(now + wait, UTC) if wait else None
    User.objects.filter(pk=user.pk).update(locked_until=user.locked_until)
    return failures


def clear(request: HttpRequest, user: Actor) -> None:
    """A successful login (after the second factor, where there is one)."""
    cache.delete(_key("pair", user.get_username(), client_ip(request)))
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)


def lift(user: Actor) -> None:
    """An administrator's password reset: the account may be used again at once."""
    if user.pk:
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
