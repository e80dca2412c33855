"""The domain apps' models in the Django admin: each one's changelist (with a search) and add
form answer 200 for an administrator, in Chinese, and the admin's own checks pass."""

import re

import pytest
from django.apps import apps
from django.contrib import admin

APPS = ("financing", "supplies", "consultations", "workforce", "inspections", "projects", "power")
MODELS = [m for a in APPS for m in apps.get_app_config(a).get_models()]
ENGLISH = re.compile(r"\b(Created by|Created at|Updated at|Version|Recorded by|Raised by)\b")


def test_every_model_is_registered_and_the_checks_pass():
    assert [m for m in MODELS if not admin.site.is_registered(m)] == []
    errors = [e for e in admin.site.check(None) if e.obj.__module__.split(".")[1] in APPS]
    assert errors == []


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label_lower)
def test_the_changelist_and_the_form_answer_in_chinese(cast, client, model):
    client.force_login(cast.admin)
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    page = client.get(url + "?q=延吉")
    assert page.status_code == 200
    assert str(model._meta.verbose_name) in page.content.decode()
    form = client.get(url + "add/")
    assert form.status_code == 200
    text = re.sub(r"<[^>]+>", " ", form.content.decode())
    assert not ENGLISH.search(text), ENGLISH.search(text)
    client.force_login(cast.yanji)  # not staff
    assert client.get(url).status_code == 302
