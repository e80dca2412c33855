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
from .stats import StatsQuery, percent, resumption, rollup_cells, rollup_sums, with_status

GROUPS = {
    "resumed": Q(s__status__in=[Status.FULL, Status.PARTIAL]),
    "closed_loop": Q(s__status__in=[Status.FULL, Status.PARTIAL], s__mode=Mode.CLOSED_LOOP),
}

# the keys below from the rollup's sums of the day (stats.rollup_sums)
_FROM_ROLLUP = {
    "n": "enterprises",
    "annual_known": "annual_known",
    "annual": "annual",
    "day_output": "output",
    "confirmed": "confirmed",
    "resumed_annual": "resumed_annual",
    "resumed_output": "resumed_output",
    "resumed_confirmed": "resumed_confirmed",
    "closed_loop_n": "closed_loop",
    "closed_loop_annual": "closed_loop_annual",
    "closed_loop_output": "closed_loop_output",
    "closed_loop_confirmed": "closed_loop_confirmed",
}


def weighted_shares(user: User, query: StatsQuery, use_status_rows: bool = False) -> dict:
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
    beyond = query.day > query.horizon()  # no rollup sums yet: the status rows, carried
    cells = None if beyond or use_status_rows else rollup_cells(user, query)
    if cells is not None:  # the rollup's sums, and the registry's for the denominators
        day = rollup_sums(user, query, cells.filter(day=query.day))
        agg = {k: day[v] or 0 for k, v in _FROM_ROLLUP.items()}
        agg["resumed_n"] = (day["resumed_full"] or 0) + (day["resumed_partial"] or 0)
    else:
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
