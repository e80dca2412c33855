import datetime

import pytest
from django.core.exceptions import ValidationError

from fugong.core.models import SEVEN_MUSTS, AuditLog, Campaign
from fugong.core.services import audit
from fugong.registry.services import add_to_list, save_enterprise


def test_changes_are_audited_with_who_and_what(cast):
    add_to_list(cast.zhuanban, cast.key_list, cast.a, "重点")
    cast.a.name = "改名"
    save_enterprise(cast.yanji, cast.a)
    entries = list(AuditLog.objects.order_by("id").values_list("username", "action", "target_type"))
    assert entries == [
        ("zhuanban", "create", "registry.listmembership"),
        ("yanji", "update", "registry.enterprise"),
    ]


def test_the_audit_log_is_append_only(cast):
    entry = audit(cast.yanji, "view_personal", cast.a, detail={"fields": ["contact_phone"]})
    entry.action = "delete"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditLog.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditLog.objects.update(action="create")
    assert AuditLog.objects.get().action == "view_personal"


def test_exports_and_admin_changes_are_audited(cast, login):
    login(cast.yanji).get("/enterprises/?format=xlsx")
    assert AuditLog.objects.filter(action="export", username="yanji").exists()
    login(cast.admin).post(
        f"/admin/core/region/{cast.regions.beishan.pk}/change/",
        {
            "code": "222401002",
            "name": "北山街道（改）",
            "level": "township",
            "parent": cast.regions.yanji.pk,
        },
    )
    assert AuditLog.objects.filter(
        username="admin", action="update", target_type="core.region"
    ).exists()


def test_the_admin_cannot_change_the_audit_log(cast, login):
    entry = audit(cast.yanji, "login")
    c = login(cast.admin)
    assert c.get("/admin/core/auditlog/").status_code == 200
    assert c.post(f"/admin/core/auditlog/{entry.pk}/delete/", {"post": "yes"}).status_code == 403


def campaign(cast, **kw):
    data = {
        "name": "2022年静态管理",
        "region": cast.regions.yanbian,
        "starts_on": datetime.date(2022, 9, 8),
        "modules": ["reports", "passes"],
        "checklist": SEVEN_MUSTS,
        "sla": {"workorder_hours": 72},
        "report_fields": [
            {"key": "bubble_staff", "label": "泡泡内人数", "type": "number"},
            {"key": "mode", "label": "模式", "type": "choice", "choices": ["闭环", "正常"]},
        ],
    }
    data.update(kw)
    return Campaign(**data)


def test_a_campaign_validates_its_configuration(cast):
    c = campaign(cast)
    c.full_clean()
    c.save()
    assert c.is_active(datetime.date(2022, 9, 9)) and not c.is_active(datetime.date(2022, 9, 7))


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"ends_on": datetime.date(2022, 1, 1)}, "ends_on"),
        ({"modules": ["reports", "weather"]}, "modules"),
        ({"report_fields": [{"key": "x", "label": "X", "type": "date"}]}, "report_fields"),
        ({"report_fields": [{"key": "x", "label": "X", "type": "choice"}]}, "report_fields"),
        ({"checklist": [{"key": "a", "label": "A"}, {"key": "a", "label": "B"}]}, "checklist"),
        ({"sla": {"workorder_hours": -1}}, "sla"),
    ],
)
def test_a_bad_campaign_names_the_field(cast, kw, field):
    with pytest.raises(ValidationError) as exc:
        campaign(cast, **kw).full_clean()
    assert field in exc.value.message_dict


def test_regions_keep_their_paths_when_moved(cast):
    from fugong.core.models import Region

    yanji = cast.regions.yanji
    yanji.parent = cast.regions.jilin
    yanji.level = "city"
    yanji.save()
    assert Region.objects.get(code="222401001").path == "/220000/222401/222401001/"


def test_a_region_cannot_sit_under_a_lower_level(cast):
    region = cast.regions.yanji
    region.parent = cast.regions.jinxue
    with pytest.raises(ValidationError):
        region.full_clean()


def test_a_unit_cannot_escalate_in_a_circle(cast):
    from tests.factories import UnitFactory

    cc = cast.units.cc_yanji
    office = UnitFactory(code="222401-office", kind="command_centre", region=cc.region, parent=cc)
    cc.parent = office
    with pytest.raises(ValidationError) as exc:
        cc.full_clean()
    assert "循环" in str(exc.value)


def test_viewing_personal_data_is_audited(cast, login):
    login(cast.yanji).get(f"/enterprises/{cast.a.pk}/")
    entry = AuditLog.objects.get(action="view_personal")
    assert (entry.username, entry.target_id) == ("yanji", str(cast.a.pk))
    assert "contact_phone" in entry.detail["fields"]
    login(cast.tumen).get(f"/enterprises/{cast.a.pk}/")  # 404: nothing was shown
    assert AuditLog.objects.filter(action="view_personal").count() == 1
