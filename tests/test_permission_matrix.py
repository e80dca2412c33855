"""The generated permission matrix: every role × every detail page, document, export, API detail
and API list of enterprise-owned data × an object inside and outside the role's scope. The
expected answer comes from the scope rule of DESIGN.md, not from the code: data when the
enterprise is in the role's scope, otherwise 404 (or a refusal, or a list without it). The
matrix each run produces is written to artifacts/permission-matrix.md."""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from fugong.approvals import services as approvals
from fugong.core.models import SEVEN_MUSTS
from fugong.passes import services as passes
from fugong.workorders import services as workorders

ARTIFACT = Path(__file__).resolve().parent.parent / "artifacts" / "permission-matrix.md"

# who sees which of the cast's enterprises (a: 进学街道 of 延吉, a2: 北山街道 of 延吉, assigned
# to the commissioner; b: 图们)
SCOPE = {
    "admin": {"a", "a2", "b"},
    "zhuanban": {"a", "a2", "b"},  # 州专班: the whole city
    "department": {"a", "a2", "b"},  # 州工信局: the city, as a department
    "yanji": {"a", "a2"},
    "tumen": {"b"},
    "township": {"a"},  # 进学街道
    "commissioner": {"a2"},  # assigned enterprises only
    "contact_a": {"a"},
    "contact_b": {"b"},
    "checkpoint": set(),  # a pass's validity, nothing else
}


@pytest.fixture
def world(cast, campaign, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    from fugong.registry.models import Assignment

    Assignment.objects.get_or_create(enterprise=cast.a, defaults={"township": cast.units.jinxue})
    Assignment.objects.get_or_create(enterprise=cast.b)
    objects = {}
    for key, plate in (("a", "吉H10001"), ("a2", "吉H10002"), ("b", "吉H10003")):
        enterprise = getattr(cast, key)
        order = workorders.create_order(
            cast.admin,
            campaign,
            enterprise,
            f"{enterprise.name}：货车进不了城",
            "hotline",
            files=[SimpleUploadedFile("现场.pdf", b"%PDF-1.4\n%%EOF\n")],
        )
        app = approvals.submit(
            cast.admin,
            enterprise,
            "resumption",
            {
                "checklist": [{"key": m["key"], "done": True} for m in SEVEN_MUSTS],
                "staff_expected": 10,
                "planned_date": campaign.starts_on.today(),
            },
            [SimpleUploadedFile("方案.pdf", b"%PDF-1.4\n%%EOF\n")],
        )
        campaign.sla["approval_steps"] = 1
        campaign.save()
        app.campaign.refresh_from_db()
        app = approvals.review(cast.admin, app, "approve", app.version)
        pas = passes.apply(
            cast.admin,
            enterprise,
            {
                "plate": plate,
                "vehicle_type": "van",
                "driver_name": "张三",
                "driver_phone": "13904330000",
                "origin": "延吉",
                "destination": "长春",
                "cargo": "materials",
                "valid_from": campaign.starts_on.today(),
                "valid_until": campaign.starts_on.today(),
            },
        )
        pas = passes.decide(cast.admin, pas, "approve", pas.version)
        from fugong.core.uploads import attachments_of

        objects[key] = {
            "enterprise": enterprise,
            "order": order,
            "app": app,
            "pass": pas,
            "attachment": attachments_of(order).get(),
        }
    return objects


def details(o):
    e = o["enterprise"]
    return {
        "page: enterprise": f"/enterprises/{e.pk}/",
        "page: reports": f"/enterprises/{e.pk}/reports/",
        "page: work order": f"/workorders/{o['order'].pk}/",
        "page: application": f"/applications/{o['app'].pk}/",
        "doc: certificate.pdf": f"/applications/{o['app'].pk}/certificate.pdf",
        "page: pass": f"/passes/{o['pass'].pk}/",
        "doc: pass.pdf": f"/passes/{o['pass'].pk}/pass.pdf",
        "doc: attachment": f"/attachments/{o['attachment'].pk}/",
        "api: enterprise": f"/api/v1/enterprises/{e.pk}",
        "api: work order": f"/api/v1/workorders/{o['order'].pk}",
        "api: application": f"/api/v1/applications/{o['app'].pk}",
        "api: pass": f"/api/v1/passes/{o['pass'].pk}",
        "api: assignment": f"/api/v1/enterprises/{e.pk}/assignment",
    }


API_LISTS = {
    "api list: enterprises": ("/api/v1/enterprises?limit=500", "uscc"),
    "api list: work orders": ("/api/v1/workorders", "uscc"),
    "api list: applications": ("/api/v1/applications", "uscc"),
    "api list: passes": ("/api/v1/passes", "uscc"),
}
EXPORTS = {
    "export: enterprises": "/enterprises/?format=xlsx",
    "export: work orders": "/workorders/?view=all&format=xlsx",
    "export: applications": "/applications/?format=xlsx",
    "export: passes": "/passes/?format=xlsx",
}


def _xlsx_text(response):
    if response.status_code != 200 or "spreadsheet" not in response.get("Content-Type", ""):
        return ""
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    return " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c)


@pytest.mark.parametrize("role", sorted(SCOPE))
def test_the_matrix(role, cast, world, client):
    from fugong.core.services import issue_token

    user = getattr(cast, role)
    client.force_login(user)
    _t, token = issue_token(user, "matrix")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    rows, wrong = [], []
    for key, o in world.items():
        inside = key in SCOPE[role]
        e = o["enterprise"]
        for name, url in details(o).items():
            r = client.get(url, **(bearer if url.startswith("/api/") else {}))
            if (r.status_code == 200) != inside:
                wrong.append((name, key, r.status_code))
            if not inside:
                assert r.status_code in (302, 403, 404), (role, name, key, r.status_code)
            rows.append((name, key, r.status_code))
        for name, (url, field) in API_LISTS.items():
            r = client.get(url, **bearer)
            items = r.json() if r.status_code == 200 else []
            items = items.get("items", items) if isinstance(items, dict) else items
            present = any(i.get(field) == e.uscc for i in items)
            if present != inside:
                wrong.append((name, key, r.status_code))
            rows.append((name, key, "listed" if present else "absent"))
        for name, url in EXPORTS.items():
            r = client.get(url)
            present = e.uscc in _xlsx_text(r) or e.name in _xlsx_text(r)
            if present and not inside:
                wrong.append((name, key, "leaked"))
            rows.append((name, key, "in export" if present else "absent"))
    _write(role, rows)
    assert wrong == [], f"{role}: {wrong}"


def _write(role, rows):
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"\n## {role} (scope: {', '.join(sorted(SCOPE[role])) or 'none'})\n"]
    lines.append("| resource | a | a2 | b |\n|---|---|---|---|")
    by = {}
    for name, key, got in rows:
        by.setdefault(name, {})[key] = got
    for name, cells in by.items():
        lines.append(f"| {name} | {cells.get('a')} | {cells.get('a2')} | {cells.get('b')} |")
    mode = "a" if ARTIFACT.exists() and role != sorted(SCOPE)[0] else "w"
    with ARTIFACT.open(mode) as fh:
        if mode == "w":
            fh.write("# Permission matrix (generated by tests/test_permission_matrix.py)\n")
        fh.write("\n".join(lines) + "\n")
