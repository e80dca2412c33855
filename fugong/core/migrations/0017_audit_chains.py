"""The audit log becomes independent hash chains: every existing entry stays in chain 1 (the
old head is chain 1's head), and the heads of chains 1..16 (the default of
FUGONG_AUDIT_CHAINS) are created now, so no writer creates one under load; more chains get
their heads when first used."""

from django.db import migrations, models


def heads(apps, schema_editor):
    AuditHead = apps.get_model("core", "AuditHead")
    AuditHead.objects.bulk_create([AuditHead(pk=k) for k in range(1, 17)], ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("core", "0016_merge_round_three")]

    operations = [
        migrations.AddField(
            model_name="auditlog",
            name="chain",
            field=models.PositiveSmallIntegerField(default=1, editable=False),
        ),
        migrations.AddIndex(
            model_name="auditlog",
            index=models.Index(fields=["chain", "id"], name="audit_chain_order"),
        ),
        migrations.RunPython(heads, migrations.RunPython.noop),
    ]
