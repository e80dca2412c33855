"""The work-order app listens to its neighbours: problems noted on a commissioner's visit, a
daily report's difficulties and needs, and a consultation-line call that needs action become
an order on the enterprise's behalf."""

from django.dispatch import receiver
from django.utils import timezone

from fugong.core.services import campaign_for
from fugong.core.signals import consultation_needs_action, report_submitted
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


@receiver(consultation_needs_action)
def order_from_consultation(sender, user, enterprise, text, source, **kwargs):
    """A call on a consultation line that needs action becomes an order (or None when no
    campaign covers the enterprise today)."""
    campaign = campaign_for(enterprise, timezone.localdate())
    if campaign is None:
        return None
    return services.create_order(user, campaign, enterprise, text, Channel.HOTLINE, source=source)
