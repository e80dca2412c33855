"""Schemathesis against the OpenAPI document, with the demo city loaded and an administrator's
token (the widest scope): generated requests for every operation, valid and invalid, must
never get a 5xx. Bounded: a few examples per operation, so CI stays quick."""

import os
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from fugong.core.models import User
from fugong.core.services import issue_token

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db(transaction=True)
def test_no_server_errors_on_generated_requests(live_server, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)
    call_command("demo", "--quiet", "--report-days", "3")
    admin = User.objects.get(username="admin")
    User.objects.filter(pk=admin.pk).update(must_change_password=False)
    _t, token = issue_token(admin, "fuzz")
    report = tmp_path / "junit.xml"
    r = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "schemathesis"),
            "run",
            f"{live_server.url}/api/v1/openapi.json",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            os.environ.get("FUGONG_FUZZ_EXAMPLES", "10"),
            "--header",
            f"Authorization: Bearer {token}",
            "--request-timeout",
            "30",
            "--generation-deterministic",
            "--report",
            "junit",
            "--report-junit-path",
            str(report),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
