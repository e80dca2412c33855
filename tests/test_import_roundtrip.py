"""Every export goes back in unchanged through the same importer: nothing created, nothing
changed, no error."""

from django.forms.models import model_to_dict

from fugong.core.excel import EXPORTERS, IMPORTERS
from fugong.core.models import Region, Unit
from fugong.core.permissions import SYSTEM
from fugong.health.demo import id_card
from fugong.health.models import Employee
from fugong.health.services.exports import export_roster
from fugong.registry.exports import export_memberships
from fugong.registry.models import Assignment, Enterprise, ListMembership

from .factories import enterprise_user
from .xlsx import xlsx


def snapshot(model, exclude=("updated_at",)):
    return sorted(
        (tuple(sorted((k, str(v)) for k, v in model_to_dict(o).items() if k not in exclude)))
        for o in model.objects.all()
    )


def reimport(kind, user, data):
    report = IMPORTERS[kind](user).run(data)
    assert report.errors == [], report.errors
    return report


def test_it_reimports_exported_regions_and_units_unchanged(cast):
    for kind, model in (("regions", Region), ("units", Unit)):
        before = snapshot(model)
        report = reimport(kind, SYSTEM, EXPORTERS[kind](SYSTEM, {}))
        assert report.created == 0 and report.rows == model.objects.count()
        assert snapshot(model) == before


def test_it_reimports_exported_enterprises_of_every_industry_precision_unchanged(cast):
    a = cast.a
    for code, e in zip(("C", "27", "271", "2710"), Enterprise.objects.all(), strict=False):
        e.industry = code
        e.save()
    cast.key_list  # noqa: B018 - the list exists
    ListMembership.objects.create(list=cast.key_list, enterprise=a, added_by=None, reason="重点")
    before = snapshot(Enterprise)
    data = EXPORTERS["enterprises"](cast.zhuanban, {})
    report = reimport("enterprises", cast.zhuanban, data)
    assert report.created == 0 and report.rows == Enterprise.objects.count()
    assert snapshot(Enterprise) == before
    assert ListMembership.objects.current().filter(enterprise=a).count() == 1


def test_it_reimports_exported_assignments_unchanged(cast):
    Assignment.objects.get_or_create(
        enterprise=cast.a,
        defaults={
            "leader_name": "张伟",
            "leader_phone": "13904330002",
            "township": cast.units.jinxue,
        },
    )
    before = snapshot(Assignment)
    report = reimport("assignments", cast.zhuanban, EXPORTERS["assignments"](cast.zhuanban, {}))
    assert report.created == 0
    assert snapshot(Assignment) == before


def test_it_reimports_an_exported_list_unchanged(cast):
    ListMembership.objects.create(list=cast.key_list, enterprise=cast.a, reason="州级重点")
    before = snapshot(ListMembership)
    qs = ListMembership.objects.filter(list=cast.key_list).select_related("enterprise__region")
    report = reimport("lists", cast.zhuanban, export_memberships(cast.zhuanban, cast.key_list, qs))
    assert report.created == 0 and report.rows == 1
    assert snapshot(ListMembership) == before


def test_it_reimports_an_exported_roster_unchanged(cast):
    officer = enterprise_user("fangyi_rt", cast.a, role="health_officer")
    sheet = xlsx(
        ["姓名", "身份证号", "手机号", "部门", "是否住厂", "是否闭环"],
        [
            ["张三", id_card(601), "13904331201", "一车间", "是", "否"],
            ["李四", id_card(602), "", "", "否", "是"],
        ],
    )
    assert reimport("roster", officer, sheet).created == 2
    before = snapshot(Employee)
    report = reimport("roster", officer, export_roster(officer, cast.a))
    assert report.created == 0 and report.rows == 2
    assert snapshot(Employee) == before
