"""The campaign stamp (`core.campaigns.CampaignStamp`) and the triggers that renew it on every
write to campaigns or regions. PostgreSQL: one statement-level trigger per table, TRUNCATE
included; SQLite has row triggers only, one per event."""

from django.db import migrations, models

from fugong.core.stamps import Triggers

TRIGGERS = Triggers("core_campaignstamp", "core_campaign_stamp", ("core_campaign", "core_region"))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0019_region_path_c_collation"),
    ]

    operations = [
        migrations.CreateModel(
            name="CampaignStamp",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("stamp", models.CharField(max_length=32)),
            ],
            options={
                "verbose_name": "应急事件版本",
                "verbose_name_plural": "应急事件版本",
            },
        ),
        TRIGGERS.operation(),
    ]
