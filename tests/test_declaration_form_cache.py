"""DeclarationForm keeps the HTML of unbound forms per worker: the kept HTML must still follow
the language and the initial values, and a bound form (with its errors) is never kept."""

from decimal import Decimal

from django.utils import translation

from fugong.health.forms import DeclarationForm


def test_kept_html_follows_language_and_initial_values():
    with translation.override("zh-hans"):
        zh = str(DeclarationForm())
        again = str(DeclarationForm())
    with translation.override("en"):
        en = str(DeclarationForm())
    assert zh == again
    assert "今日体温" in zh and "今日体温" not in en
    with translation.override("zh-hans"):
        warm = str(DeclarationForm(initial={"temperature": Decimal("37.8"), "contact": True}))
        cool = str(DeclarationForm(initial={"temperature": Decimal("36.4")}))
    assert 'value="37.8"' in warm and 'value="36.4"' in cool
    assert 'value="37.8"' not in cool and 'value="37.8"' not in zh


def test_bound_form_shows_its_errors_and_is_not_kept():
    with translation.override("zh-hans"):
        str(DeclarationForm())
        bound = str(DeclarationForm({"temperature": "abc", "test_result": "none"}))
        unbound = str(DeclarationForm())
    assert "abc" in bound and "abc" not in unbound
    assert "errorlist" in bound or "invalid-feedback" in bound
