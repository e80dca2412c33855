"""Keep the rollups (RegionDay, SegmentDay, ScaleDay, ListDay) in step with registry changes
that move an enterprise's status between regions, industries, scales or lists, change its
registered staff or the dates it is active."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from fugong.registry.models import Enterprise, EnterpriseList, ListMembership, regions_of
from fugong.registry.signals import enterprises_changed, memberships_changed

from . import rollups

# the enterprise's columns the rollups' sums depend on
ROLLUP_FIELDS = (
    "region_id",
    "total_staff",
    "active_from",
    "active_to",
    "industry_division",
    "scale",
)


@receiver(pre_save, sender=Enterprise)
def remember_region(sender, instance, **kwargs):
    old = Enterprise.objects.filter(pk=instance.pk).values(*ROLLUP_FIELDS).first()
    instance._before = old


@receiver(post_save, sender=Enterprise)
def enterprise_saved(sender, instance, created, **kwargs):
    old = getattr(instance, "_before", None)
    if old and any(old[f] != getattr(instance, f) for f in ROLLUP_FIELDS):
        rollups.enterprises_changed({old["region_id"], instance.region_id})


@receiver(post_delete, sender=Enterprise)
def enterprise_deleted(sender, instance, **kwargs):
    rollups.enterprises_changed({instance.region_id})


@receiver(enterprises_changed)
def enterprises_changed_in_bulk(sender, region_ids, **kwargs):
    rollups.enterprises_changed(region_ids)


@receiver(pre_save, sender=ListMembership)
def remember_membership(sender, instance, **kwargs):
    fields = ("added_on", "removed_on", "list_id", "enterprise_id")
    instance._before = ListMembership.objects.filter(pk=instance.pk).values(*fields).first()


@receiver(post_save, sender=ListMembership)
@receiver(post_delete, sender=ListMembership)
def membership_changed(sender, instance, created=None, origin=None, **kwargs):
    """A membership added, ended, moved or deleted, perhaps dated in the past: the list's sums
    from the first day whose membership changed are pending. Not when its list is deleted:
    the list's rows go with it."""
    if isinstance(origin, EnterpriseList) or getattr(origin, "model", None) is EnterpriseList:
        return
    old = getattr(instance, "_before", None)
    enterprises = {instance.enterprise_id}
    if created is False and old is not None:  # saved again
        moved = (old["list_id"], old["enterprise_id"]) != (instance.list_id, instance.enterprise_id)
        if moved:  # to another list or enterprise: both whole periods
            enterprises.add(old["enterprise_id"])
            days = [old["added_on"], instance.added_on]
        else:  # the days between its old and new dates
            days = [
                d
                for field in ("added_on", "removed_on")
                if old[field] != getattr(instance, field)
                for d in (old[field], getattr(instance, field))
                if d is not None
            ]
    else:  # created or deleted: its whole period
        days = [instance.added_on]
    if days:
        memberships_changed_in_bulk(sender, enterprises, min(days))


@receiver(memberships_changed)
def memberships_changed_in_bulk(sender, enterprise_ids, since, **kwargs):
    rollups.lists_changed(regions_of(enterprise_ids), since)
