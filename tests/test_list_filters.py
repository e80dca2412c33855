"""One filter object per list: the application list and the pass list parse their filter once
(`ApplicationFilter`, `PassFilter`) and the page, its xlsx export and the API list return the
same set for the same filter; the API pages like the enterprise list; a bad filter is a named
error; a user outside the scope gets nothing from any of the three."""

import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from fugong.approvals import services as approvals
from fugong.passes import services as passes

from .factories import enterprise_user
from .test_approvals import closed_loop, plan, resumption
from .test_passes import data as pass_data

TODAY = timezone.localdate()


def xlsx_ids(response):
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)[1:]
    return {row[0] for row in rows}


def page_ids(response):
    return {obj.pk for obj in response.context["page"]}


def api_ids(call, url):
    sep = "&" if "?" in url else "?"
    body = call("get", f"{url}{sep}limit=1000").json()
    assert body["count"] == len(body["items"])
    return {item["id"] for item in body["items"]}


def three_ways(login, api, user, path, api_path, query):
    """The ids the page, its export and the API list give `user` for the query string (the
    page's `view=todo` is the API's `todo=true`)."""
    c = login(user)
    page = page_ids(c.get(f"{path}?{query}"))
    export = xlsx_ids(c.get(f"{path}?{query}&format=xlsx"))
    listed = api_ids(api(user), f"{api_path}?{query.replace('view=todo', 'todo=true')}")
    return page, export, listed


# --- applications ------------------------------------------------------------------------


@pytest.fixture
def applications(cast, campaign):
    contact_a2 = enterprise_user("qiye_a2", cast.a2)
    a = approvals.submit(cast.contact_a, cast.a, "resumption", resumption(), [plan()])
    a2 = approvals.submit(contact_a2, cast.a2, "closed_loop", closed_loop())
    b = approvals.submit(cast.contact_b, cast.b, "resumption", resumption(), [plan()])
    a = approvals.review(cast.township, a, "approve", a.version)  # first step done
    return {"a": a.pk, "a2": a2.pk, "b": b.pk}


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", {"a", "a2", "b"}),
        ("kind=closed_loop", {"a2"}),
        ("state=submitted", {"a2", "b"}),
        ("kind=resumption&state=first_approved", {"a"}),
        ("view=todo", {"a"}),  # a command centre reviews the second step of two
    ],
)
def test_it_gives_the_same_applications_on_the_page_the_export_and_the_api(
    cast, applications, login, api, query, expected
):
    found = three_ways(login, api, cast.zhuanban, "/applications/", "/applications", query)
    assert found == ({applications[k] for k in expected},) * 3


def test_it_keeps_the_todo_view_to_the_steps_a_user_reviews(cast, applications, login, api):
    # 进学街道 sees its own enterprise's application only, and it waits at the county's step
    page, export, listed = three_ways(
        login, api, cast.township, "/applications/", "/applications", ""
    )
    assert page == export == listed == {applications["a"]}
    c = login(cast.township)
    assert page_ids(c.get("/applications/?view=todo")) == set()
    assert api_ids(api(cast.township), "/applications?todo=true") == set()
    # 图们市's command centre reviews only the second step: nothing waits for it
    assert api_ids(api(cast.tumen), "/applications?todo=true") == set()
    assert page_ids(login(cast.yanji).get("/applications/?view=todo")) == {applications["a"]}


def test_it_pages_the_application_api_like_the_enterprise_list(cast, applications, api):
    call = api(cast.zhuanban)
    first = call("get", "/applications?limit=2").json()
    second = call("get", "/applications?limit=2&offset=2").json()
    assert first["count"] == second["count"] == 3
    ids = [i["id"] for i in first["items"] + second["items"]]
    assert len(first["items"]) == 2 and sorted(ids) == sorted(applications.values())


def test_a_bad_application_filter_is_a_named_error(cast, applications, login, api):
    response = api(cast.zhuanban)("get", "/applications?kind=permit")
    assert response.status_code == 422 and "kind" in response.json()["fields"]
    page = login(cast.zhuanban).get("/applications/?state=nonsense")
    assert page.status_code == 200 and page_ids(page) == set()
    assert "状态应为" in page.content.decode()
    assert api(cast.zhuanban)("get", "/applications?state=submitted").status_code == 200


def test_the_application_lists_keep_to_the_scope(cast, applications, login, api):
    a, a2, b = applications["a"], applications["a2"], applications["b"]
    for user, expected in (
        (cast.tumen, {b}),
        (cast.yanji, {a, a2}),
        (cast.contact_a, {a}),
        (cast.contact_b, {b}),
        (cast.commissioner, {a2}),  # the enterprise assigned to the commissioner
        (cast.checkpoint, set()),
    ):
        for query in ("", "kind=resumption"):
            page, export, listed = three_ways(
                login, api, user, "/applications/", "/applications", query
            )
            want = expected if not query else expected - {a2}
            assert page == export == listed == want, (user.username, query)


# --- passes --------------------------------------------------------------------------------


@pytest.fixture
def passes_made(cast, campaign, transport):
    _unit, officer = transport
    issued = passes.apply(cast.contact_a, cast.a, pass_data(plate="吉H12345"))
    issued = passes.decide(officer, issued, "approve", issued.version)
    waiting = passes.apply(cast.contact_a, cast.a, pass_data(plate="吉H23456", cargo="products"))
    other = passes.apply(cast.contact_b, cast.b, pass_data(plate="吉H34567"))
    return {"issued": issued.pk, "waiting": waiting.pk, "other": other.pk}


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", {"issued", "waiting", "other"}),
        ("state=approved", {"issued"}),
        ("cargo=products", {"waiting"}),
        ("cargo=materials&state=submitted", {"other"}),
        ("view=todo", {"waiting", "other"}),
        ("view=todo&cargo=materials", {"other"}),
    ],
)
def test_it_gives_the_same_passes_on_the_page_the_export_and_the_api(
    cast, passes_made, login, api, query, expected
):
    found = three_ways(login, api, cast.zhuanban, "/passes/", "/passes", query)
    assert found == ({passes_made[k] for k in expected},) * 3


def test_it_pages_the_pass_api_and_names_a_bad_filter(cast, passes_made, login, api):
    call = api(cast.zhuanban)
    first = call("get", "/passes?limit=2").json()
    rest = call("get", "/passes?limit=2&offset=2").json()
    assert first["count"] == rest["count"] == 3
    assert sorted(i["id"] for i in first["items"] + rest["items"]) == sorted(passes_made.values())
    response = call("get", "/passes?cargo=gold")
    assert response.status_code == 422 and "cargo" in response.json()["fields"]
    page = login(cast.zhuanban).get("/passes/?state=lost")
    assert page.status_code == 200 and page_ids(page) == set()


def test_the_pass_lists_keep_to_the_scope(cast, passes_made, login, api):
    mine = {passes_made["issued"], passes_made["waiting"]}
    for user, expected in (
        (cast.tumen, {passes_made["other"]}),
        (cast.yanji, mine),
        (cast.contact_a, mine),
        (cast.contact_b, {passes_made["other"]}),
        (cast.commissioner, set()),
    ):
        for query in ("", "cargo=materials"):
            page, export, listed = three_ways(login, api, user, "/passes/", "/passes", query)
            want = expected if not query else expected - {passes_made["waiting"]}
            assert page == export == listed == want, (user.username, query)
