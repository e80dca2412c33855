"""The campaign stamp (`core.campaigns.CampaignStamp`) and the triggers that renew it on every
write to campaigns or regions. PostgreSQL: one statement-level trigger per table, TRUNCATE
included; SQLite has row triggers only, one per event."""

from django.db import migrations, models

PG = """
CREATE FUNCTION core_campaign_stamp_renew() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO core_campaignstamp (id, stamp) VALUES (1, md5(gen_random_uuid()::text))
    ON CONFLICT (id) DO UPDATE SET stamp = EXCLUDED.stamp;
    RETURN NULL;
END $$;
CREATE TRIGGER core_campaign_stamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON core_campaign FOR EACH STATEMENT EXECUTE FUNCTION core_campaign_stamp_renew();
CREATE TRIGGER core_campaign_stamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON core_region FOR EACH STATEMENT EXECUTE FUNCTION core_campaign_stamp_renew();
INSERT INTO core_campaignstamp (id, stamp) VALUES (1, md5(gen_random_uuid()::text));
"""
PG_BACK = """
DROP TRIGGER core_campaign_stamp ON core_campaign;
DROP TRIGGER core_campaign_stamp ON core_region;
DROP FUNCTION core_campaign_stamp_renew();
"""
EVENTS = ("insert", "update", "delete")
# no INSERT OR REPLACE: inside a trigger SQLite applies the firing statement's conflict policy,
# so an INSERT OR IGNORE (bulk_create(ignore_conflicts=True)) would keep the old stamp
SQLITE = [
    f"CREATE TRIGGER core_{table}_stamp_{event} AFTER {event.upper()} ON core_{table} BEGIN "
    "UPDATE core_campaignstamp SET stamp = hex(randomblob(16)) WHERE id = 1; "
    "INSERT INTO core_campaignstamp (id, stamp) SELECT 1, hex(randomblob(16)) "
    "WHERE NOT EXISTS (SELECT 1 FROM core_campaignstamp WHERE id = 1); END"
    for table in ("campaign", "region")
    for event in EVENTS
] + ["INSERT INTO core_campaignstamp (id, stamp) VALUES (1, hex(randomblob(16)))"]
SQLITE_BACK = [
    f"DROP TRIGGER core_{table}_stamp_{event}"
    for table in ("campaign", "region")
    for event in EVENTS
]


def _run(postgresql, sqlite):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(postgresql)
        else:
            for statement in sqlite:
                schema_editor.execute(statement)

    return run


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
        migrations.RunPython(_run(PG, SQLITE), _run(PG_BACK, SQLITE_BACK)),
    ]
