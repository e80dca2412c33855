"""Reading the environment for settings.py: one small typed helper per kind of value, each
refusing a bad value with the variable's name and what it should be (a typo in a deployment
fails at start-up, not later)."""

import os

from django.core.exceptions import ImproperlyConfigured

TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected a whole number") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected at least {minimum}")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in TRUE:
        return True
    if raw.strip().lower() in FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r}: expected 1 or 0 (true/false, yes/no, on/off)")


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list, blanks dropped."""
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r}: expected one of {', '.join(choices)}")
    return value


def redis_database(url: str) -> tuple[str, int]:
    """A Redis URL's base and database number (0 when it names none): `redis://h:6379/3` →
    (`redis://h:6379`, 3)."""
    base, _sep, db = url.rpartition("/")
    return (base, int(db)) if db.isdigit() else (url.rstrip("/"), 0)
