"""The approvals app listens to the inspections app: serious findings suspend or revoke the
enterprise's approved qualifications (resumption and closed loop) of the campaign through the
applications' workflow, with the reason, and the enterprise is told; a passed re-inspection
reinstates what was suspended."""

from django.dispatch import receiver

from fugong.core.signals import qualification_challenged

from .models import Application
from .services.flow import FLOW
from .services.reviewers import _tell_applicant

SOURCES = {
    "suspend": (Application.State.APPROVED,),
    "revoke": (Application.State.APPROVED, Application.State.SUSPENDED),
    "reinstate": (Application.State.SUSPENDED,),
}


@receiver(qualification_challenged)
def challenge_qualifications(sender, user, enterprise, campaign, action, reason, **kwargs) -> int:
    """Move each matching qualification by `action`; returns how many moved."""
    apps = Application.objects.filter(
        enterprise=enterprise, campaign=campaign, state__in=SOURCES[action]
    ).select_related("enterprise")
    moved = 0
    for app in apps:
        app = FLOW.move(app, app.version, action, user=user, comment=reason)
        _tell_applicant(app, action, reason)
        moved += 1
    return moved
