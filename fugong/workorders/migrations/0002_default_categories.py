from django.db import migrations


def create(apps, schema_editor):
    from fugong.workorders.services import DEFAULT_CATEGORIES

    Category = apps.get_model("workorders", "Category")
    for position, (code, name, sector) in enumerate(DEFAULT_CATEGORIES):
        Category.objects.get_or_create(code=code, defaults={
            "name": name, "sector": sector, "position": position})


class Migration(migrations.Migration):
    dependencies = [("workorders", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
