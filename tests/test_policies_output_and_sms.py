"""The policies' leftovers: the annual-output rule (missing output fails it, "产值未填报"),
SMS to the fitting enterprises where a gateway is configured, and the pages fetching through
`@scoped` (404 outside the scope)."""

from decimal import Decimal

import pytest

from fugong.core.models import Delivery, Step
from fugong.core.permissions import SYSTEM
from fugong.policies import services
from fugong.policies.forms import RulesForm
from fugong.policies.models import Policy

from .test_policies import make_policy, names

OUTPUT = [("output", {"min": 1000, "max": 5000})]


@pytest.fixture
def outputs(cast):
    cast.a.annual_output = Decimal("1000.00")  # at the lower bound: meets it
    cast.a.save()
    cast.b.annual_output = Decimal("5000.01")  # just above the upper bound
    cast.b.save()
    return cast  # a2 has no output filled in


def test_it_matches_annual_output_within_bounds_and_never_a_missing_one(outputs):
    policy = make_policy(outputs, OUTPUT)
    assert names(services.qualifying(policy, SYSTEM)) == [outputs.a.name]
    only_min = make_policy(outputs, [("output", {"min": 1000, "max": None})], title="下限")
    assert names(services.qualifying(only_min, SYSTEM)) == sorted([outputs.a.name, outputs.b.name])


def test_it_says_output_not_filled_in_for_a_near_miss(outputs):
    policy = make_policy(outputs, OUTPUT)
    near = {m.enterprise.name: m for m in services.near_misses(policy, SYSTEM)}
    assert "产值未填报" in near[outputs.a2.name].missing[0][1]
    assert "5000.01 万元" in near[outputs.b.name].missing[0][1]
    met = services.matches(policy, SYSTEM)[0].met
    assert any("上年工业总产值 1000 万元" in why for _kind, why in met)


def test_it_builds_the_output_rule_in_the_form_and_refuses_crossed_bounds():
    form = RulesForm({"rule-output_min": "1000", "rule-output_max": "2500.5"})
    assert form.is_valid(), form.errors
    assert ("output", {"min": 1000, "max": 2500.5}) in form.rules()
    crossed = RulesForm({"rule-output_min": "3000", "rule-output_max": "100"})
    assert not crossed.is_valid()
    assert "产值上限不能小于下限" in crossed.errors["output_max"][0]
    negative = RulesForm({"rule-output_min": "-1"})
    assert not negative.is_valid() and "output_min" in negative.errors


@pytest.fixture
def sms_gateway(settings):
    settings.FUGONG_SMS = {
        "provider": "fugong.core.sms.LogGateway",  # a configured provider (not the "log" default)
        "templates": {"policy_published": "SMS_500001"},
    }


def test_it_texts_the_fitting_enterprises_where_sms_is_configured(outputs, sms_gateway):
    outputs.a.contact_phone = "13904331234"
    outputs.a.save()
    outputs.contact_a.phone = "13904335678"
    outputs.contact_a.save()
    outputs.b.contact_phone = "0433-2512345"  # a landline: no SMS
    outputs.b.save()
    outputs.a2.contact_phone = ""
    outputs.a2.save()
    policy = make_policy(outputs, [("industry", {"sections": ["C"], "divisions": []})])
    services.publish(SYSTEM, policy, policy.version)
    texts = Delivery.objects.filter(channel="sms", template="policy_published")
    assert sorted(texts.values_list("address", flat=True)) == ["13904331234", "13904335678"]
    assert texts.first().params["title"] == policy.title
    push = Step.objects.get(owner_type="policies.policy", owner_id=policy.pk, action="push")
    assert "短信 2 条" in push.comment


def test_it_sends_no_sms_without_a_configured_gateway(outputs, settings):
    settings.FUGONG_SMS = {"provider": "log", "templates": {"policy_published": "SMS_1"}}
    outputs.a.contact_phone = "13904331234"
    outputs.a.save()
    policy = make_policy(outputs, publish=True)
    assert policy.state == Policy.State.PUBLISHED
    assert not Delivery.objects.filter(channel="sms").exists()


def test_it_answers_404_for_a_policy_outside_the_scope(cast, login):
    tumen_policy = make_policy(cast, region=cast.regions.tumen, title="图们草稿")
    client = login(cast.yanji)
    for url in ("", "edit/", "matches/", "apply/"):
        assert client.get(f"/policies/{tumen_policy.pk}/{url}").status_code == 404
    assert client.get("/policies/999999/").status_code == 404
    assert login(cast.tumen).get(f"/policies/{tumen_policy.pk}/").status_code == 200
