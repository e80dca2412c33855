"""Backup and restore round-trip a populated database (the demo city, work orders, applications,
passes, a health roster with declarations, an attachment) and every table comes back the same,
on SQLite and PostgreSQL."""

import pytest
from django.core.management import call_command

from fugong.core.backup import fingerprints
from fugong.core.models import Attachment


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip_every_table(tmp_path, settings, capsys):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("demo", "--quiet", "--report-days", "3")
    Attachment.objects.create(
        owner_type="core.unit",
        owner_id=1,
        file=ContentFile(b"%PDF-1.4\n", name="plan.pdf"),
        name="plan.pdf",
        kind="pdf",
        size=9,
    )
    before = fingerprints()
    assert before["health_employee"][0] == 30 and before["registry_enterprise"][0] == 300
    archive = tmp_path / "fugong.tar.gz"
    call_command("backup", str(archive))
    assert "tables" in capsys.readouterr().out

    call_command("flush", "--no-input")  # the disaster
    (tmp_path / "media").rename(tmp_path / "media-lost")
    assert fingerprints()["registry_enterprise"][0] == 0

    call_command("restore", str(archive))
    assert "every table matches" in capsys.readouterr().out
    assert fingerprints() == before
    assert Attachment.objects.get(owner_type="core.unit").file.read() == b"%PDF-1.4\n"
