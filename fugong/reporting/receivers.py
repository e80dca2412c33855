"""Keep RegionDay in step with registry changes that move an enterprise's status between
regions, change its registered staff or the dates it is active."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from fugong.registry.models import Enterprise
from fugong.registry.signals import enterprises_changed

from . import rollups


@receiver(pre_save, sender=Enterprise)
def remember_region(sender, instance, **kwargs):
    old = (
        Enterprise.objects.filter(pk=instance.pk)
        .values("region_id", "total_staff", "active_from", "active_to")
        .first()
    )
    instance._before = old


@receiver(post_save, sender=Enterprise)
def enterprise_saved(sender, instance, created, **kwargs):
    old = getattr(instance, "_before", None)
    if old and (
        old["region_id"] != instance.region_id
        or old["total_staff"] != instance.total_staff
        or (old["active_from"], old["active_to"]) != (instance.active_from, instance.active_to)
    ):
        rollups.enterprises_changed({old["region_id"], instance.region_id})


@receiver(post_delete, sender=Enterprise)
def enterprise_deleted(sender, instance, **kwargs):
    rollups.enterprises_changed({instance.region_id})


@receiver(enterprises_changed)
def enterprises_changed_in_bulk(sender, region_ids, **kwargs):
    rollups.enterprises_changed(region_ids)
