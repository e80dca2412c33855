"""Photos of an inspection item through the API (multipart): the checklist goes as JSON, then
each item's photos, checked like the web form's (content sniffed, re-encoded by Pillow with the
metadata dropped, stored under a generated name); data scope (outsiders and other enterprises
get 404), bad files a 422 with the shared error body naming the file, and the OpenAPI document
listing the operation as multipart."""

import datetime
import io

import pytest
from PIL import Image

from fugong.core.models import Attachment, Campaign, Role, Unit
from fugong.core.services import issue_token
from fugong.inspections import plans
from fugong.inspections.models import Inspection, ItemResult

from .factories import UserFactory
from .test_inspections import answers

TODAY = datetime.date.today()


def jinxue_inspection(cast) -> Inspection:
    """A plan of 进学街道 (延吉甲 its one enterprise) for 进学's officer as the team."""
    campaign = Campaign.objects.create(
        name="本轮应急", region=cast.regions.yanbian, starts_on=TODAY - datetime.timedelta(days=3)
    )
    plan = plans.create_plan(
        cast.yanji,
        campaign,
        name="进学街道督导",
        region=cast.regions.jinxue,
        criteria={},
        share=None,
        seed="",
        due_on=TODAY + datetime.timedelta(days=2),
        teams=[("第一组", [cast.township])],
    )
    return plan.inspections.get(enterprise=cast.a)


@pytest.fixture
def done(cast):
    """延吉甲's inspection, to be submitted through the API by 进学's officer (on the team)."""
    return jinxue_inspection(cast)


@pytest.fixture
def call(client):
    """`call(user, method, url, **kw)` as `user` with a bearer token (multipart when `data`
    holds files: no JSON content type)."""

    def go(user, method, url, **kw):
        _t, raw = issue_token(user, "test")
        return getattr(client, method)("/api/v1" + url, HTTP_AUTHORIZATION=f"Bearer {raw}", **kw)

    return go


def jpeg(name="车间.jpg", colour=(200, 40, 40)):
    buffer = io.BytesIO()
    image = Image.new("RGB", (64, 48), colour)
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {2: (43.0, 0.0, 0.0)}  # GPS latitude
    image.save(buffer, format="JPEG", exif=exif, comment=b"secret comment")
    data = buffer.getvalue()
    return io.BytesIO(data), name, data


def named(data, name):
    f = io.BytesIO(data)
    f.name = name
    return f


def submit_json(call, user, inspection):
    body = {
        "version": inspection.version,
        "answers": answers(failed=("disinfection",)),
        "representative": "王厂长",
        "acknowledged": True,
    }
    r = call(
        user,
        "post",
        f"/inspections/{inspection.pk}/submit",
        data=body,
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    return r


def test_the_inspector_adds_photos_to_an_item_after_the_checklist(
    cast, done, call, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    url = f"/inspections/{done.pk}/items/disinfection/photos"
    early = call(cast.township, "post", url, data={"photos": named(jpeg()[2], "a.jpg")})
    assert early.status_code == 409 and early.json()["error"] == "conflict"  # not submitted yet
    submit_json(call, cast.township, done)

    _f, _n, original = jpeg()
    r = call(
        cast.township,
        "post",
        url,
        data={
            "photos": [named(original, "车间.jpg"), named(jpeg(colour=(0, 90, 0))[2], "门口.jpg")]
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert [(p["name"], p["content_type"]) for p in body] == [
        ("车间.jpg", "image/jpeg"),
        ("门口.jpg", "image/jpeg"),
    ]
    item = ItemResult.objects.get(inspection=done, key="disinfection")
    stored = Attachment.objects.filter(owner_type="inspections.itemresult", owner_id=item.pk)
    assert stored.count() == 2
    first = stored.order_by("pk").first()
    data = first.file.read()
    assert b"SecretCam" not in data and b"secret comment" not in data  # re-encoded by Pillow
    assert data != original and Image.open(io.BytesIO(data)).size == (64, 48)
    assert "车间" not in first.file.name and first.file.name.endswith(".jpg")  # a generated name
    assert body[0]["url"] == f"/attachments/{first.pk}/"
    # the photos show on the inspection's page, for the team and the enterprise
    page = call(cast.contact_a, "get", f"/inspections/{done.pk}")
    assert page.status_code == 200
    assert Inspection.objects.get(pk=done.pk).state == "done"


def test_outsiders_get_404_and_the_own_enterprise_403(cast, done, call, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    submit_json(call, cast.township, done)
    url = f"/inspections/{done.pk}/items/disinfection/photos"
    beishan = Unit.objects.create(
        code="222401002-gov",
        name="北山街道办事处",
        kind="township",
        region=cast.regions.beishan,
        parent=cast.units.cc_yanji,
    )
    elsewhere = UserFactory(username="beishan", role=Role.TOWNSHIP, unit=beishan)
    for outsider in (cast.tumen, elsewhere, cast.contact_b):  # another county, township, firm
        r = call(outsider, "post", url, data={"photos": named(jpeg()[2], "a.jpg")})
        assert r.status_code == 404, (outsider, r.content)
        assert r.json() == {"error": "not_found", "detail": r.json()["detail"], "fields": {}}
    own = call(cast.contact_a, "post", url, data={"photos": named(jpeg()[2], "a.jpg")})
    assert own.status_code == 403 and own.json()["error"] == "forbidden"
    missing = call(
        cast.township,
        "post",
        f"/inspections/{done.pk}/items/nope/photos",
        data={"photos": named(jpeg()[2], "a.jpg")},
    )
    assert missing.status_code == 404
    assert not Attachment.objects.exists()


def test_bad_files_answer_422_naming_the_file_and_store_nothing(
    cast, done, call, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    submit_json(call, cast.township, done)
    url = f"/inspections/{done.pk}/items/disinfection/photos"
    good = jpeg()[2]
    cases = {
        "not an image": [named(b"<script>alert(1)</script>", "照片.jpg")],
        "a PDF": [named(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n", "报告.jpg")],
        "cut short": [named(good[: len(good) // 3], "残缺.jpg")],
        "one bad of two": [named(good, "好.jpg"), named(b"MZ\x90\x00", "病毒.jpg")],
        "too many": [named(good, f"{i}.jpg") for i in range(10)],
    }
    for case, files in cases.items():
        r = call(cast.township, "post", url, data={"photos": files})
        assert r.status_code == 422, (case, r.content)
        body = r.json()
        assert body["error"] == "invalid" and set(body) == {"error", "detail", "fields"}, case
        assert body["fields"]["photos"], case
        if case != "too many":
            assert files[-1].name in body["detail"], (case, body)
    broken = call(cast.township, "post", url, data=b"x", content_type="multipart/form-data")
    assert broken.status_code == 400 and broken.json()["error"] == "bad_request"  # no boundary
    nothing = call(cast.township, "post", url, data={})
    assert nothing.status_code == 422 and "photos" in str(nothing.json()["fields"])
    assert not Attachment.objects.exists()


def test_the_openapi_document_lists_the_multipart_operation(client):
    doc = client.get("/api/v1/openapi.json").json()
    op = doc["paths"]["/api/v1/inspections/{pk}/items/{key}/photos"]["post"]
    assert "multipart/form-data" in op["requestBody"]["content"]
    assert {"201", "404", "409", "422"} <= set(op["responses"])
