import datetime
import os
import subprocess
import sys

import pytest
from django.core.management import call_command

from fugong.core.models import Role, User
from fugong.core.permissions import SYSTEM
from fugong.dashboard import crosscheck
from fugong.dashboard.models import Boundary
from fugong.power.models import Reading
from fugong.registry.models import Enterprise, EnterpriseAccount, ListMembership
from fugong.reporting.stats import StatsQuery


def run_django(args, **env):
    drop = ("DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    base = {k: v for k, v in os.environ.items() if k not in drop}
    return subprocess.run(
        [sys.executable, "-m", "fugong.cli", *args],
        capture_output=True,
        text=True,
        env={**base, **env},
    )


def test_check_deploy_is_clean_in_production_mode():
    r = run_django(
        ["check", "--deploy", "--fail-level", "WARNING"],
        FUGONG_ENV="production",
        SECRET_KEY="x" * 60 + "production-secret",
        ALLOWED_HOSTS="fugong.example.gov.cn",
        FUGONG_DATA_KEYS="6Hq0sS2j8y5u3n1QbW1vXz2aK4m7P9r0t2Y5c8E1g3I=",
        FUGONG_HASH_KEY="h" * 40,
        DATABASE_URL="postgres://fugong@127.0.0.1:5432/fugong",
    )
    assert r.returncode == 0, r.stderr
    assert "no issues" in r.stdout


def test_production_mode_refuses_the_embedded_defaults():
    r = run_django(["check"], FUGONG_ENV="production")
    assert r.returncode != 0 and "SECRET_KEY" in r.stderr
    r = run_django(["check"], FUGONG_ENV="production", SECRET_KEY="s" * 60, DEBUG="1")
    assert r.returncode != 0
    r = run_django(
        ["check"], FUGONG_ENV="production", SECRET_KEY="s" * 60, ALLOWED_HOSTS="example.cn"
    )
    assert r.returncode != 0 and "FUGONG_DATA_KEYS" in r.stderr


@pytest.mark.slow
@pytest.mark.django_db
def test_the_demo_city_has_the_seed_shape_and_a_user_for_every_role(capsys):
    call_command("demo")
    out = capsys.readouterr().out
    assert "Fugong@2026" in out and "zhuanban" in out
    assert Enterprise.objects.count() == 300
    assert Enterprise.objects.filter(scale="above").count() == 274
    assert ListMembership.objects.current().filter(list__name="重点企业").count() == 50
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    counties = {e.uscc[2:8] for e in Enterprise.objects.all()}
    assert counties == {
        "222401",
        "222402",
        "222403",
        "222404",
        "222405",
        "222406",
        "222424",
        "222426",
    }
    a1, a2 = (
        EnterpriseAccount.objects.get(user__username=u).enterprise for u in ("qiye1", "qiye2")
    )
    assert a1.uscc[2:8] != a2.uscc[2:8]  # two enterprise contacts in different counties
    zhuanban = User.objects.get(username="zhuanban")
    assert Enterprise.objects.visible_to(zhuanban).count() == 300
    # the running demo campaign holds applications at every step and passes
    from fugong.approvals.models import Application
    from fugong.passes.models import Pass

    states = set(Application.objects.values_list("state", flat=True))
    assert {"submitted", "first_approved", "approved", "revoked"} <= states
    assert Application.objects.exclude(code=None).count() == 7  # 3 resumption + 4 closed loop
    assert set(Pass.objects.values_list("state", flat=True)) == {"submitted", "approved", "revoked"}
    from fugong.health.models import Declaration, Employee

    assert Employee.objects.count() == 30 and Declaration.objects.filter(abnormal=True).count() == 1
    # 延边's eight counties drawn, readings with deliberate disagreements on the seed day
    assert Boundary.objects.count() == 8
    check = StatsQuery.parse(SYSTEM, {"region": "222400", "date": "2020-02-14"})
    assert crosscheck.cross_check(SYSTEM, check)["enterprises_with_baseline"] == 300
    assert all(crosscheck.disagreements(SYSTEM, check, w) for w in crosscheck.LISTS)
    readings = Reading.objects.count()
    # inspections: a seeded sample inspected, rectifications (some overdue), one suspension
    from fugong.inspections.models import Inspection, Rectification

    inspections = Inspection.objects.count()
    assert Inspection.objects.filter(state="done", reinspection_of__isnull=False).exists()
    assert Rectification.objects.filter(state="open", deadline__lt=datetime.date.today()).exists()
    assert Application.objects.filter(state="suspended").count() == 1
    # key projects: sixteen 三早 projects with problems as work orders; a chain blocked
    from fugong.projects.models import CoordinationRequest, Project, ProjectProblem, SupplyLink
    from fugong.workorders.models import WorkOrder

    assert Project.objects.filter(project_list="三早").count() == 16
    assert not ProjectProblem.objects.filter(order_id=None).exists()
    solved = ProjectProblem.objects.filter(state="solved")  # solved by their resolved order
    assert solved.exists() and ProjectProblem.objects.filter(state="open").exists()
    assert set(
        WorkOrder.objects.filter(pk__in=solved.values("order_id")).values_list("state", flat=True)
    ) == {"resolved"}
    assert SupplyLink.objects.filter(state="blocked").count() == 2
    assert CoordinationRequest.objects.filter(state="answered").count() == 1
    call_command("demo", "--quiet")  # idempotent
    assert Inspection.objects.count() == inspections
    assert Enterprise.objects.count() == 300
    assert Reading.objects.count() == readings
    assert Employee.objects.count() == 30
    assert Application.objects.count() == 14 and Pass.objects.count() == 6
    assert ListMembership.objects.count() == ListMembership.objects.current().count()


@pytest.mark.django_db
def test_the_large_demo_extends_the_small_one(capsys):
    call_command("demo", "--quiet")
    first = set(Enterprise.objects.values_list("uscc", flat=True))
    call_command("demo", "--enterprises", "1200", "--quiet")
    assert Enterprise.objects.count() == 1200
    assert first <= set(Enterprise.objects.values_list("uscc", flat=True))


@pytest.mark.django_db
def test_export_command_writes_the_filtered_list(tmp_path, capsys):
    from .test_enterprise_list import read_xlsx

    call_command("demo", "--quiet")
    out = tmp_path / "e.xlsx"
    call_command("export", "enterprises", str(out), "--region", "222402", "--scale", "above")
    rows = read_xlsx(out.read_bytes())
    expected = Enterprise.objects.filter(region__path__contains="/222402/", scale="above")
    assert {r[0] for r in rows[1:]} == set(expected.values_list("uscc", flat=True))
    assert len(rows) > 2
    call_command("export", "enterprises", str(out), "--user", "qiye1")
    assert len(read_xlsx(out.read_bytes())) == 2
