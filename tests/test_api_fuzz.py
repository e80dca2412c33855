"""Schemathesis against the OpenAPI document with every one of its checks (server errors,
status codes, content types, headers and bodies against the document, schema-violating
requests refused, schema-valid ones accepted, unsupported methods, authentication, …), with the
demo city loaded, as two users: a command-centre officer (the city's whole scope) and an
enterprise contact. Any failure fails the test.

Bounded: a few examples per operation (FUGONG_FUZZ_EXAMPLES, 5 by default), and the coverage
phase (some 2,800 deterministic boundary requests, the same for any user) run as the officer
only, so the test stays within a few minutes on two cores.

One configuration, said here rather than hidden: `positive_data_acceptance` also accepts 422
for a schema-valid request. The document cannot say everything a request must satisfy — a USCC's
check digit, a region or list that exists, an enterprise already on a list, a planned date not
in the past — and those answers are 422 with `fields` naming the rule. Everything the guards
refuse regardless of meaning (NUL bytes, 64-bit integers, unknown properties, ISO dates,
enumerated actions) the document does say (fugong/core/errors.py `declare_errors`)."""

import os
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from fugong.core.models import User
from fugong.core.services import issue_token

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent

CONFIG = """
[checks]
max_response_time = 30

[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
"""


def _fuzz(url, token, tmp_path, name, phases):
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    r = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "schemathesis"),
            "--config-file",
            str(config),
            "run",
            f"{url}/api/v1/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            os.environ.get("FUGONG_FUZZ_EXAMPLES", "5"),
            "--header",
            f"Authorization: Bearer {token}",
            "--request-timeout",
            "30",
            "--generation-deterministic",
            "--workers",
            "1",  # the test's SQLite database is in memory: one writer at a time
            "--phases",
            phases,
            "--report",
            "junit",
            "--report-junit-path",
            str(tmp_path / f"junit-{name}.xml"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=900,
    )
    return r


@pytest.mark.django_db(transaction=True)
def test_it_passes_every_schemathesis_check_as_an_officer_and_an_enterprise(
    live_server, tmp_path, settings
):
    settings.MEDIA_ROOT = str(tmp_path)
    call_command("demo", "--quiet", "--report-days", "3")
    User.objects.update(must_change_password=False)
    failures = []
    for username, phases in (
        ("zhuanban", "examples,coverage,fuzzing,stateful"),
        ("qiye1", "examples,fuzzing,stateful"),
    ):
        _t, token = issue_token(User.objects.get(username=username), "fuzz")
        r = _fuzz(live_server.url, token, tmp_path, username, phases)
        if r.returncode != 0:
            failures.append(f"== as {username}:\n{r.stdout[-8000:]}{r.stderr[-2000:]}")
    assert not failures, "\n".join(failures)
