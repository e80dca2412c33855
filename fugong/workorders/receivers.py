"""The work-order app listens to the projects app: a problem raised against a key project
becomes an order on the investor's behalf (channel 热线/代帮办: an officer raises it)."""

from django.dispatch import receiver

from fugong.core.permissions import SYSTEM
from fugong.core.signals import project_problem_raised

from .models import Channel
from .services import create_order


@receiver(project_problem_raised)
def order_from_project(sender, user, campaign, enterprise, text, source, **kwargs):
    """Returns the order (the projects app keeps its number)."""
    return create_order(SYSTEM, campaign, enterprise, text[:2000], Channel.HOTLINE, source=source)
