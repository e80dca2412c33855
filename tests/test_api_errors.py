"""Issue 12, as the attacker's requests: the API's one error contract, NUL bytes, numbers that
are not numbers, bodies of the wrong shape, and a pass clash that told another enterprise's
dates."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import timezone

from fugong.api import api as ninja_api
from fugong.approvals import services as approvals
from fugong.core.inputs import BadInput, parse_decimal, parse_int
from fugong.core.services import issue_token
from fugong.health.services import declarations as health_declarations
from fugong.passes import services as passes
from fugong.passes.models import Pass
from fugong.registry.models import Assignment
from fugong.reporting.models import DailyReport
from fugong.workorders import services as workorders

from .test_passes import data as pass_data

TODAY = timezone.localdate()
NOT_NUMBERS = ["NaN", "nan", "sNaN", "Infinity", "-Infinity", "1e999999999", "1e-999999999x"]


def shape(r, status):
    assert r.status_code == status, r.content[:500]
    assert r["Content-Type"].startswith("application/json")
    body = r.json()
    assert set(body) >= {"error", "detail", "fields"} and isinstance(body["fields"], dict)
    return body


def raw(client, user, method, url, body, content_type="application/json", **extra):
    _t, token = issue_token(user, "attacker")
    return client.generic(
        method, url, body, content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {token}", **extra
    )


# --- one shape everywhere ------------------------------------------------------------------


def test_it_answers_an_unknown_api_path_with_json_404(cast, client):
    assert shape(raw(client, cast.zhuanban, "GET", "/api/v1/no/such/thing", ""), 404)["error"] == (
        "not_found"
    )
    shape(client.get("/api/v1/nothing-here"), 404)  # anonymous too


def test_it_answers_an_unsupported_method_with_json_405_and_allow(cast, client):
    r = raw(client, cast.zhuanban, "DELETE", "/api/v1/me", "")
    assert shape(r, 405)["error"] == "method_not_allowed" and r["Allow"] == "GET"


def test_it_answers_a_malformed_body_with_json_400(cast, client):
    r = raw(client, cast.zhuanban, "POST", "/api/v1/reports", '{"uscc": ')
    assert shape(r, 400)["error"] == "bad_request"


def test_it_refuses_a_list_where_an_object_is_expected_and_changes_nothing(cast, client):
    """`[]` and `[null, null]` used to pass as an all-defaults assignment (the schemas read
    attributes) and wiped the enterprise's leader and commissioners."""
    before = Assignment.objects.get(enterprise=cast.a2)
    assert before.commissioners.exists()
    for body in ("[]", "[null, null]", "null", "5"):
        r = raw(client, cast.zhuanban, "PUT", f"/api/v1/enterprises/{cast.a2.pk}/assignment", body)
        assert shape(r, 422)["fields"] == {"__all__": ["应为对象"]}
    assert Assignment.objects.get(enterprise=cast.a2).commissioners.exists()


def test_it_gives_every_error_the_same_shape(cast, api, client):
    as_contact = api(cast.contact_a)
    shape(client.get("/api/v1/me"), 401)
    shape(as_contact("post", "/enterprises", {"uscc": "x"}), 422)  # schema: fields named
    shape(as_contact("get", "/enterprises/999999"), 404)
    shape(as_contact("post", "/visits", {"enterprise_id": 1, "visited_on": "2020-01-01"}), 422)
    shape(api(cast.zhuanban)("post", "/passes/1/approve", {"version": 1}), 404)
    shape(as_contact("post", "/passes/verify/x"), 405)
    body = shape(client.get("/api/v1/passes/verify/forged"), 404)
    assert body["status"] == "invalid"


def test_it_turns_an_unhandled_error_into_the_contract_500(cast):
    request = RequestFactory().get("/api/v1/ping")
    r = ninja_api.on_exception(request, RuntimeError("a bug"))
    assert r.status_code == 500
    assert json.loads(r.content) == {
        "error": "server_error",
        "detail": "服务器内部错误，请稍后再试",
        "fields": {},
    }


def test_it_declares_the_errors_of_every_operation_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert "ErrorOut" in doc["components"]["schemas"]
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            declared = set(op["responses"])
            assert {"400", "429"} <= declared, (method, path)
            if op.get("security"):
                assert {"401", "403"} <= declared, (method, path)
            if op.get("requestBody") or op.get("parameters"):
                assert {"404", "422"} <= declared, (method, path)
            if method in ("post", "put"):
                assert "409" in declared, (method, path)
            for status in declared - {"200", "201"}:
                schema = op["responses"][status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}


# --- NUL bytes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, url, body",
    [
        ("GET", "/api/v1/regions?parent=22%00", ""),
        ("GET", "/api/v1/regions/22%0001", ""),
        ("GET", "/api/v1/enterprises?q=%00", ""),
        ("POST", "/api/v1/workorders", '{"uscc": "9122\\u0000", "text": "x"}'),
        (
            "POST",
            "/api/v1/visits",
            '{"enterprise_id": 1, "visited_on": "2026-01-01", "\\u0000": 1}',
        ),
    ],
)
def test_it_refuses_a_nul_byte_in_the_api_with_json_400(cast, client, method, url, body):
    r = raw(client, cast.zhuanban, method, url, body)
    assert shape(r, 400)["detail"] == "请求中含有不允许的空字符（NUL）"


def test_it_accepts_an_escaped_backslash_that_only_looks_like_a_nul(cast, client):
    r = raw(
        client,
        cast.zhuanban,
        "POST",
        "/api/v1/workorders",
        json.dumps({"uscc": cast.a.uscc, "text": "路径 C:\\u0000 不是空字符"}),
    )
    assert r.status_code != 400


def test_it_refuses_a_nul_byte_in_pages_forms_and_cookies(cast, login, client):
    browser = login(cast.contact_a)
    assert browser.get("/enterprises/?q=%00").status_code == 400
    r = browser.post(
        "/passes/new/", "plate=%E5%90%89H%00", content_type="application/x-www-form-urlencoded"
    )
    assert r.status_code == 400
    client.cookies["sessionid"] = "abc\x00defghijkl"
    assert client.get("/accounts/login/").status_code == 400


# --- numbers that are not numbers ----------------------------------------------------------


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999999999", "9" * 30])
def test_it_refuses_a_json_number_no_field_holds_as_a_field_error(cast, client, literal):
    head = json.dumps({"uscc": cast.a.uscc, "date": str(TODAY), "status": "resumed"})
    body = head[:-1] + ', "output": ' + literal + "}"
    r = raw(client, cast.contact_a, "POST", "/api/v1/reports", body)
    assert "output" in shape(r, 422)["fields"]
    assert not DailyReport.objects.exists()


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_it_refuses_not_numbers_in_strings_as_a_field_error(cast, campaign, api, text):
    as_contact = api(cast.contact_a)
    report = {"uscc": cast.a.uscc, "date": str(TODAY), "status": "resumed", "output": text}
    assert "output" in shape(as_contact("post", "/reports", report), 422)["fields"]
    need = {"uscc": cast.a.uscc, "text": "缺口罩", "needs": [{"kind": "masks", "requested": text}]}
    assert "needs.0.requested" in shape(as_contact("post", "/workorders", need), 422)["fields"]
    gate = {"checks": [{"temperature": text, "visitor": None, "id_number": "x"}]}
    r = as_contact("post", "/health/gate-checks", gate)
    assert "checks.0.temperature" in shape(r, 422)["fields"]
    assert not DailyReport.objects.exists()


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_it_refuses_not_numbers_in_every_service_parser(cast, campaign, text):
    with pytest.raises(ValidationError, match="第1项需求数量应为正数"):
        workorders.clean_needs([{"kind": "masks", "requested": text}])
    with pytest.raises(ValidationError) as exc:
        approvals.submit(cast.contact_a, cast.a, "resumption", {"staff_expected": text})
    assert "staff_expected" in exc.value.message_dict
    with pytest.raises(BadInput):
        parse_decimal(text)
    with pytest.raises(BadInput):
        parse_int(text)
    with pytest.raises(ValidationError) as exc:  # NaN used to pass quantize and crash a compare
        health_declarations._temperature(text)
    assert "temperature" in exc.value.message_dict


def test_it_refuses_not_numbers_in_the_report_form(cast, campaign, login):
    browser = login(cast.contact_a)
    for text in ("NaN", "sNaN", "Infinity", "1e999999999"):
        r = browser.post(
            f"/enterprises/{cast.a.pk}/report/",
            {"date": str(TODAY), "status": "resumed", "staff_total": text, "output": text},
        )
        assert r.status_code in (200, 400, 404), text  # the form again, never a 500
    assert not DailyReport.objects.exists()


def test_it_refuses_a_timestamp_for_a_date_and_an_id_no_database_holds(cast, api):
    as_officer = api(cast.zhuanban)
    assert "date" in shape(as_officer("get", "/reports?date=0"), 422)["fields"]
    assert "day" in shape(as_officer("get", "/health/summary?day=0"), 422)["fields"]
    r = as_officer("get", "/reports?enterprise_id=" + "9" * 30)
    # SQLite cannot bind it (422); PostgreSQL compares it as numeric and finds nothing
    assert r.status_code == 422 or (r.status_code == 200 and r.json()["count"] == 0)
    shape(as_officer("get", "/passes/" + "9" * 30), 404)


def test_it_takes_a_whole_version_from_forms_or_none(cast):
    from fugong.core.inputs import parse_int_or_zero

    assert [parse_int_or_zero(v) for v in ("3", "3.0", "x", "NaN", "9" * 40, None, "-1")] == [
        3,
        3,
        0,
        0,
        0,
        0,
        0,
    ]


# --- a pass clash does not tell another enterprise's dates --------------------------------


def test_it_keeps_another_enterprises_pass_dates_from_a_clashing_applicant(cast, campaign):
    b_pass = passes.apply(
        cast.contact_b,
        cast.b,
        pass_data(
            valid_from=TODAY + datetime.timedelta(days=2),
            valid_until=TODAY + datetime.timedelta(days=5),
        ),
    )
    with pytest.raises(ValidationError) as exc:
        passes.apply(
            cast.contact_a, cast.a, pass_data(valid_until=TODAY + datetime.timedelta(days=6))
        )
    message = " ".join(exc.value.message_dict["plate"])
    assert "已有通行证或申请" in message
    assert str(b_pass.valid_from) not in message and str(b_pass.valid_until) not in message
    assert Pass.objects.count() == 1
    # the applicant's own clash still tells its own dates, which it may see
    with pytest.raises(ValidationError, match=str(b_pass.valid_from)):
        passes.apply(
            cast.contact_b, cast.b, pass_data(valid_until=TODAY + datetime.timedelta(days=6))
        )


def test_it_answers_a_thirty_digit_id_in_a_page_url_without_a_500(cast, login):
    browser = login(cast.zhuanban)
    for url in ("/enterprises/%s/", "/passes/%s/", "/passes/%s/pass.pdf"):
        r = browser.get(url % ("9" * 30))
        assert r.status_code in (400, 404), (url, r.status_code)
