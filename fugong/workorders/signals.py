"""The work-order app listens to its neighbours: problems noted on a commissioner's visit and a
daily report's difficulties and needs become an order on the enterprise's behalf."""

from django.dispatch import receiver

from fugong.core.services import campaign_for
from fugong.core.signals import report_submitted
from fugong.registry.signals import visit_logged

from . import services
from .models import Channel


@receiver(visit_logged)
def order_from_visit(sender, visit, user, **kwargs):
    if not visit.problems.strip():
        return
    campaign = campaign_for(visit.enterprise, visit.visited_on)
    if campaign is None:
        return
    services.create_order(
        user,
        campaign,
        visit.enterprise,
        visit.problems,
        Channel.COMMISSIONER,
        source=f"visit:{visit.pk}",
    )


@receiver(report_submitted)
def order_from_report(sender, user, campaign, enterprise, day, report, values, **kwargs):
    """Returns the order created (or None): the reporting app tells the user, with a link."""
    return services.intake_from_report(user, campaign, enterprise, day, report.pk, values)
