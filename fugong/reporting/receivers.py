"""Keep RegionDay and SegmentDay in step with registry changes that move an enterprise's
status between regions, industries or scales, change its registered staff or the dates it is
active."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from fugong.registry.models import Enterprise
from fugong.registry.signals import enterprises_changed

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
