"""The projects app listens to the work-order app: a problem raised against a key project is
solved exactly when its work order is resolved or closed, and open again when the order is
reopened or sent back (重办) — so "解决问题 N 个" counts settled orders."""

from django.dispatch import receiver

from fugong.core.signals import work_order_settled

from .services import settle_from_order


@receiver(work_order_settled)
def problem_follows_order(sender, order, source, settled, user, comment="", **kwargs):
    """Returns how many problems moved (0 for an order that is not a project problem's); the
    step in the problem's timeline is the order's actor's."""
    return settle_from_order(source, settled, comment, order.pk, user)
