from django.db import migrations


def create(apps, schema_editor):
    from fugong.workorders.services import seed_categories

    seed_categories(apps.get_model("workorders", "Category"))


class Migration(migrations.Migration):
    dependencies = [("workorders", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
