"""`Enterprise.industry` holds a GB/T 4754 code of any precision (section, division, group or
class); `industry_division` is derived beside `industry_section`. Existing rows held a
2-digit division, which stays their code and becomes their division."""

from django.db import migrations, models

import fugong.registry.industry


def fill_division(apps, schema_editor):
    Enterprise = apps.get_model("registry", "Enterprise")
    for code in Enterprise.objects.values_list("industry", flat=True).distinct():
        division = "" if code.isalpha() else code[:2]
        Enterprise.objects.filter(industry=code).update(industry_division=division)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="enterprise",
            name="industry",
            field=models.CharField(
                max_length=4,
                validators=[fugong.registry.industry.validate_code],
                verbose_name="行业",
            ),
        ),
        migrations.AddField(
            model_name="enterprise",
            name="industry_division",
            field=models.CharField(
                blank=True, db_index=True, editable=False, max_length=2, verbose_name="行业大类"
            ),
        ),
        migrations.RunPython(fill_division, migrations.RunPython.noop),
    ]
