"""The dashboard's API: figures that need more than one domain app."""

from django.core.exceptions import ValidationError
from ninja import Query, Router

from fugong.reporting.api import StatsIn
from fugong.reporting.stats import StatsQuery

from . import crosscheck

router = Router(tags=["stats"])


@router.get("/stats/power")
def power_cross_check(request, params: Query[StatsIn], by: str = ""):
    """The electricity cross-check for a region subtree and day: `enterprises_with_baseline`,
    `resumed_by_report`, `resumed_by_power`, `both`, `report_only`, `power_only`,
    `no_reading`, the breakdown `by` region or industry, and the two disagreement lists."""
    if not request.auth.sees_figures:
        raise PermissionError("no figures for this account")
    if by and by not in crosscheck.BY:
        raise ValidationError({"by": "by 应为 region 或 industry"})
    query = StatsQuery.parse(request.auth, params.dict())
    result = crosscheck.cross_check(request.auth, query, by=by or None)
    for which in crosscheck.LISTS:
        result[which] = crosscheck.disagreements(request.auth, query, which)
    return result
