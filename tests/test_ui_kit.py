"""Every page of the converted apps is in the kit: each page template extends the base layout,
and no template (page or include) uses the hand-written classes of `fugong/static/fugong/app.css`
that Tabler's cards, tables, buttons and tags replace. A template that goes back to them fails
here, so the conversion cannot regress."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "fugong"
CONVERTED = [
    ROOT / "templates",
    *(
        ROOT / app / "templates"
        for app in (
            "core",
            "registry",
            "approvals",
            "passes",
            "health",
            "power",
            "dashboard",
            "workorders",
            "reporting",
            "policies",
            "financing",
            "supplies",
            "consultations",
            "workforce",
            "inspections",
            "projects",
        )
    ),
]
# the hand-written layout classes (app.css) and their Tabler / Bootstrap replacements
LEGACY = {
    "actions": "btn-list",
    "button": "btn",
    "secondary": "btn btn-outline-primary",
    "grid": "row row-cards",
    "kv": "fg-dl",
    "muted": "text-secondary",
    "tag": "{% tag %} / {% state_tag %}",
    "off": "{% tag … 'grey' %}",
    "stack": "card-body",
    "num": "text-end",
    "inline": "d-inline",
    "filters": "card with row g-2",
    "pager": "pagination",
    "figures": "row row-cards",
    "figure": "card card-sm fg-figure",
    "label": "subheader",
    "rate": "fg-figure-note",
    "notice": "alert alert-warning",
    "h5": "the phone layout's column",
    "h5-form": "the form renderer",
    "field": "mb-3",
    "wide": "btn w-100",
    "login": "card card-md",
    "token": "fg-token",
    "tree": "table",
    "errors-table": "table",
    "verify": "fg-verdict",
    "status": "fg-verdict / {% state_tag %}",
    "plate": "fg-plate",
    "qr": "fg-qr",
    "thumb": "img-thumbnail",
    "unread": "fw-bold",
    "link": "btn btn-link",
    "lead": "text-secondary",
    "chart": "fg-chart",
    "charts": "row row-cards",
    "region-map": "fg-map",
}
CLASS_ATTR = re.compile(r'\bclass="([^"]*)"')
TEMPLATE_CODE = re.compile(r"{%.*?%}|{{.*?}}", re.S)


def templates():
    return sorted(path for folder in CONVERTED for path in folder.rglob("*.html"))


def classes_of(text):
    """The literal class names of a template's class attributes, template code taken out first
    (so `class="x{% if on %} active{% endif %}"` yields x and active)."""
    plain = TEMPLATE_CODE.sub(" ", text)
    return {name for value in CLASS_ATTR.findall(plain) for name in value.split()}


def is_page(path):
    return not path.name.startswith("_") and "django" not in path.parts and path.name != "base.html"


def test_it_finds_the_templates_of_every_converted_app():
    found = templates()
    assert len(found) >= 50  # power has no pages of its own (the dashboard shows its figures)


@pytest.mark.parametrize("path", templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_it_uses_the_kit_and_no_hand_written_class(path):
    text = path.read_text()
    if is_page(path):
        assert text.startswith('{% extends "base.html" %}'), f"{path.name} does not extend base"
    old = sorted(classes_of(text) & set(LEGACY))
    assert old == [], {name: LEGACY[name] for name in old}


def test_it_reads_classes_inside_template_code():
    text = '<a class="btn {% if on %}tag{% endif %}" href="#"><td class="num">'
    assert {"btn", "tag", "num"} <= classes_of(text)
