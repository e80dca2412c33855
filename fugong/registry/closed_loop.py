"""Which enterprises run a closed-loop site (闭环生产 / 防疫泡泡). The approvals app knows (an
approved closed-loop application), but the domain apps that ask — proxy purchasing
(`supplies`), workers' buses (`workforce`) — may not import it, so the layer above connects a
provider at start-up (`fugong.dashboard.providers`):

    from fugong.registry import closed_loop
    closed_loop.connect(lambda day: <rows with an `enterprise` key: closed loop on day>)

Without a provider the answer is None ("not known"), and each asker says so."""

from collections.abc import Callable
from datetime import date

PROVIDER: dict[str, Callable] = {}


def connect(fn: Callable | None) -> None:
    if fn is None:
        PROVIDER.pop("closed_loop", None)
    else:
        PROVIDER["closed_loop"] = fn


def is_closed_loop(enterprise_id: int, day: date) -> bool | None:
    """True / False, or None when no provider is connected."""
    provider = PROVIDER.get("closed_loop")
    if provider is None:
        return None
    return provider(day).filter(enterprise_id=enterprise_id).exists()
