from django.db import migrations


def chain(apps, schema_editor):
    from fugong.core.models import audit_hash

    AuditLog = apps.get_model("core", "AuditLog")
    AuditHead = apps.get_model("core", "AuditHead")
    prev, last = "", 0
    for entry in AuditLog.objects.order_by("id").iterator():
        entry_hash = audit_hash(entry, prev)
        AuditLog.objects.filter(pk=entry.pk).update(prev_hash=prev, hash=entry_hash)
        prev, last = entry_hash, entry.pk
    AuditHead.objects.update_or_create(pk=1, defaults={"last_id": last, "last_hash": prev})


class Migration(migrations.Migration):
    dependencies = [("core", "0004_security_controls")]

    operations = [migrations.RunPython(chain, migrations.RunPython.noop)]
