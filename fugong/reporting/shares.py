"""Output-weighted shares, the form the seeds report in ("enterprises in closed-loop
production: 463, 65.1 % of above-scale enterprises, over 85 % of their output").

For a group of enterprises (resumed; in closed-loop production) among the enterprises in
scope as of day D: its count and share of the enterprises; its share of their annual output
(上年工业总产值, over the enterprises whose annual output is known, with that coverage shown);
and its share of the output in their statuses as of D (the latest reported daily output, on
or before D). Confirmed statuses are counted apart (逐级审核)."""

from django.db.models import Count, Q, Sum

from fugong.core.models import User

from .models import Mode, Status
from .stats import StatsQuery, percent, resumption, with_status

GROUPS = {
    "resumed": Q(s__status__in=[Status.FULL, Status.PARTIAL]),
    "closed_loop": Q(s__status__in=[Status.FULL, Status.PARTIAL], s__mode=Mode.CLOSED_LOOP),
}


def weighted_shares(user: User, query: StatsQuery) -> dict:
    """{group: {enterprises, share, annual_output, annual_output_share, day_output,
    day_output_share, confirmed}} and the totals they are shares of."""
    sums = {
        "n": Count("id"),
        "annual_known": Count("annual_output"),
        "annual": Sum("annual_output"),
        "day_output": Sum("s__output"),
        "confirmed": Count("id", filter=Q(s__confirmed=True)),
    }
    for key, condition in GROUPS.items():
        sums[f"{key}_n"] = Count("id", filter=condition)
        sums[f"{key}_annual"] = Sum("annual_output", filter=condition)
        sums[f"{key}_output"] = Sum("s__output", filter=condition)
        sums[f"{key}_confirmed"] = Count("id", filter=condition & Q(s__confirmed=True))
    agg = with_status(query, query.enterprises(user)).aggregate(**sums)
    annual, day_output = float(agg["annual"] or 0), float(agg["day_output"] or 0)
    out = {
        "enterprises": agg["n"],
        "annual_output": round(annual, 2),
        "annual_output_known": agg["annual_known"],
        "day_output": round(day_output, 2),
        "statuses_confirmed": agg["confirmed"],
    }
    for key in GROUPS:
        group_annual = float(agg[f"{key}_annual"] or 0)
        group_output = float(agg[f"{key}_output"] or 0)
        out[key] = {
            "enterprises": agg[f"{key}_n"],
            "share": percent(agg[f"{key}_n"], agg["n"]),
            "confirmed": agg[f"{key}_confirmed"],
            "annual_output": round(group_annual, 2),
            "annual_output_share": percent(group_annual, annual) if annual else None,
            "day_output": round(group_output, 2),
            "day_output_share": percent(group_output, day_output) if day_output else None,
        }
    return out


def resumption_with_shares(user: User, query: StatsQuery, by: str | None = None) -> dict:
    """The resumption figures with their output-weighted shares (`weighted`)."""
    result = resumption(user, query, by=by)
    result["weighted"] = weighted_shares(user, query)
    return result
