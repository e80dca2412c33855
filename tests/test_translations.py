"""The English catalogue: every msgid of `fugong/locale/en/LC_MESSAGES/django.po` has an English
msgstr that is neither empty nor fuzzy, keeps the msgid's placeholders, and is in the compiled
`.mo`; and the newer pages (financing, key projects, inspection plans, the power cross-check)
render in English once the user picks English, with no Chinese left in their headings but the
data's own names."""

import ast
import datetime
import gettext
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from fugong.core.models import Campaign
from fugong.financing import services as financing
from fugong.projects import services as projects

from .test_inspections import plan_for
from .test_projects import project_data

LOCALE = Path(__file__).resolve().parent.parent / "fugong" / "locale" / "en" / "LC_MESSAGES"
PO, MO = LOCALE / "django.po", LOCALE / "django.mo"
HAN = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff01-\uff5e]")  # ideographs, CJK punctuation
HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
PLACEHOLDER = re.compile(r"%\(\w+\)[-+ #0]*\d*(?:\.\d+)?[a-zA-Z]|%%|\{\w*\}")
TODAY = datetime.date.today()


def catalogue(path=PO):
    """The .po's entries as dicts: msgid, msgid_plural, msgstr (a list: one per plural form),
    flags, line. A small reader for what `makemessages` writes (no obsolete `#~` entries)."""
    entries, entry, field = [], None, None

    def close():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or (line.startswith("#") and not line.startswith("#,")):
            if not line and entry is not None and "msgid" in entry:
                close()
                entry = None
            continue
        if entry is None:
            entry = {"flags": set(), "msgstr": {}, "line": number}
        if line.startswith("#,"):
            entry["flags"] |= {f.strip() for f in line[2:].split(",")}
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.startswith('"'):
            rest, keyword = line, None
        else:
            field = keyword
        text = ast.literal_eval(rest)
        if field.startswith("msgstr["):
            index = int(field[7:-1])
            entry["msgstr"][index] = entry["msgstr"].get(index, "") + text
        elif field == "msgstr":
            entry["msgstr"][0] = entry["msgstr"].get(0, "") + text
        else:
            entry[field] = entry.get(field, "") + text
    close()
    for item in entries:
        item["msgstr"] = [item["msgstr"][i] for i in sorted(item["msgstr"])]
    return entries


def messages():
    return [e for e in catalogue() if e["msgid"]]  # the header's msgid is ""


def test_the_reader_sees_empty_fuzzy_and_plural_entries(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#: a.py:1\nmsgid "已办结"\nmsgstr "Resolved"\n\n'
        '#, fuzzy, python-format\n#| msgid "旧"\nmsgid "%(n)s 家"\nmsgstr "%(n)s"\n\n'
        'msgid "空"\nmsgstr ""\n\n'
        'msgid "%(n)s 条"\nmsgid_plural "%(n)s 条"\nmsgstr[0] "%(n)s item"\nmsgstr[1] ""\n\n'
        'msgid ""\n"两行"\n"文字"\nmsgstr ""\n"Two "\n"lines"\n',
        encoding="utf-8",
    )
    header, done, fuzzy, empty, plural, wrapped = catalogue(po)
    assert header["msgid"] == "" and "Language: en" in header["msgstr"][0]
    assert done["msgstr"] == ["Resolved"] and not done["flags"]
    assert "fuzzy" in fuzzy["flags"] and fuzzy["line"] == 9
    assert empty["msgstr"] == [""]
    assert plural["msgid_plural"] == "%(n)s 条" and plural["msgstr"] == ["%(n)s item", ""]
    assert wrapped["msgid"] == "两行文字" and wrapped["msgstr"] == ["Two lines"]


def test_every_message_has_an_english_translation_that_is_not_fuzzy():
    entries = messages()
    assert len(entries) > 2000  # the whole catalogue was read, not a prefix of it
    untranslated = [f"{e['line']}: {e['msgid']}" for e in entries if not all(e["msgstr"])]
    fuzzy = [f"{e['line']}: {e['msgid']}" for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == [], "translate these (django.po line: msgid)"
    assert fuzzy == [], "check these fuzzy guesses and drop the flag"


def test_translations_are_english_and_keep_the_placeholders():
    wrong = []
    for entry in messages():
        wanted = sorted(PLACEHOLDER.findall(entry["msgid"]))
        for text in entry["msgstr"]:
            if sorted(PLACEHOLDER.findall(text)) != wanted:
                wrong.append(f"{entry['line']}: placeholders {entry['msgid']!r} -> {text!r}")
            # Chinese only where the English quotes a literal value of the msgid that a user
            # types (是/否, 规上, 吉H12345 …)
            for run in HAN_RUN.findall(text):
                if run not in entry["msgid"]:
                    wrong.append(f"{entry['line']}: Chinese {run!r} left in {text!r}")
    assert wrong == []


def test_the_compiled_catalogue_matches_the_po():
    """compilemessages was run after the last edit of the .po."""
    with MO.open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    stale = []
    for entry in messages():
        if "msgid_plural" in entry:
            got = [compiled.ngettext(entry["msgid"], entry["msgid_plural"], n) for n in (1, 2)]
            if got != entry["msgstr"][:2]:
                stale.append(entry["msgid"])
        elif compiled.gettext(entry["msgid"]) != entry["msgstr"][0]:
            stale.append(entry["msgid"])
    assert stale == [], "run `cd fugong && ../.venv/bin/fugong compilemessages -l en`"


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="GNU gettext's msgfmt is not installed")
def test_msgfmt_checks_the_catalogue():
    done = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "fuzzy" not in done.stderr and "untranslated" not in done.stderr, done.stderr


# the names xgettext extracts from Python: its own defaults and those makemessages adds
KEYWORDS = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy"}
KEYWORDS |= {"pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}


def aliased_strings(root=PO.parents[3]):
    """(file:line, text) of every literal passed to gettext under a name that makemessages
    does not extract (`from django.utils.translation import gettext_lazy as _l`)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {
            name.asname
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
            for name in node.names
            if name.asname and name.asname not in KEYWORDS
        }
        for node in ast.walk(tree):
            if (
                aliases
                and isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in aliases
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.append((f"{path.relative_to(root)}:{node.lineno}", node.args[0].value))
    return found


def test_the_scanner_finds_strings_behind_an_alias(tmp_path):
    (tmp_path / "m.py").write_text(
        "from django.utils.translation import gettext as _, gettext_lazy as _l\n"
        'A = _("甲")\nB = _l("乙")\nC = _l(f"{A}")\n',
        encoding="utf-8",
    )
    assert aliased_strings(tmp_path) == [("m.py:3", "乙")]


def test_strings_marked_under_an_alias_are_in_the_catalogue():
    """makemessages drops what it cannot extract: a string behind an alias such as `_l` is in
    the catalogue only while some other call site marks it too, or until the next run after
    it was added by hand. Mark it with `_`/`gettext_lazy`, run makemessages, translate."""
    found = aliased_strings()
    msgids = {e["msgid"] for e in messages()}
    assert [(where, text) for where, text in found if text not in msgids] == []


# --- the pages in English ----------------------------------------------------------------


class Headings(HTMLParser):
    """The text of the page's headings: h1–h6, table headers, card titles and subheaders."""

    TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "th"}
    CLASSES = {"card-title", "subheader", "page-title", "page-pretitle"}

    def __init__(self):
        super().__init__()
        self.stack, self.found = [], []

    def handle_starttag(self, tag, attrs):
        if tag in {"br", "img", "input", "meta", "link", "hr", "source", "use", "path"}:
            return
        classes = set((dict(attrs).get("class") or "").split())
        opens = tag in self.TAGS or bool(classes & self.CLASSES)
        self.stack.append((tag, opens))
        if opens:
            self.found.append("")

    def handle_endtag(self, tag):
        if all(opened != tag for opened, _opens in self.stack):
            return  # a void or stray end tag
        while self.stack:
            opened, opens = self.stack.pop()
            if opens:
                self.found[-1] = self.found[-1].strip()
            if opened == tag:
                break

    def handle_data(self, data):
        depth = sum(1 for _tag, opens in self.stack if opens)
        if depth:
            self.found[-1] += data


def english(client, url, data_names):
    """The page at `url` in English: its headings, with the data's own names taken out."""
    response = client.get(url)
    assert response.status_code == 200, url
    body = response.content.decode()
    assert '<html lang="en"' in body, "the English choice did not stick"
    parser = Headings()
    parser.feed(body)
    headings = [h for h in parser.found if h]
    assert headings, url
    leftover = []
    for text in headings:
        for name in sorted(data_names, key=len, reverse=True):  # the longest first
            text = text.replace(name, "")
        if HAN.search(text):
            leftover.append(text)
    assert leftover == [], (
        f"Chinese left in the headings of {url}: untranslated, or marked with a gettext alias"
        " that makemessages does not extract (e.g. `gettext_lazy as _l`)"
    )
    return body, headings


@pytest.fixture
def in_english(cast, login):
    def as_user(user):
        client = login(user)
        client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        return client

    return as_user


@pytest.fixture
def campaign(cast):
    return Campaign.objects.create(
        name="本轮应急", region=cast.regions.yanbian, starts_on=TODAY - datetime.timedelta(days=5)
    )


def names(cast, *more):
    regions = vars(cast.regions).values()
    units = vars(cast.units).values()
    people = [cast.yanji, cast.township, cast.contact_a]
    return [
        *(r.name for r in regions),
        *(u.name for u in units),
        *(e.name for e in (cast.a, cast.a2, cast.b)),
        *(str(p) for p in people),
        *(p.get_full_name() for p in people if p.get_full_name()),
        *more,
    ]


def test_the_financing_list_is_in_english(cast, campaign, in_english):
    financing.state_need(
        cast.contact_a,
        cast.a,
        {"amount": "500", "purpose": "购买原材料", "term_months": "12", "collateral": "厂房抵押"},
    )
    body, headings = english(in_english(cast.contact_a), "/financing/", names(cast))
    assert "My financing needs" in headings and "Raise a financing need" in body
    assert "我的融资需求" not in body
    _body, headings = english(in_english(cast.yanji), "/financing/", names(cast))
    assert "Amount needed (10k yuan)" in headings or "Needed (10k yuan)" in headings


def test_the_key_projects_list_is_in_english(cast, campaign, in_english):
    projects.create_project(cast.yanji, project_data(cast))
    body, headings = english(
        in_english(cast.yanji), "/projects/", names(cast, "延吉甲制药新厂房", "三早")
    )
    assert "Key projects" in headings and "Project name" in headings
    assert "Total investment (10k yuan)" in headings or "Total investment" in body
    assert "重点项目" not in "".join(headings)


def test_the_inspection_plans_are_in_english(cast, campaign, in_english):
    plan = plan_for(cast, campaign)
    data = names(cast, plan.name, "第一组", campaign.name)
    client = in_english(cast.yanji)
    _body, headings = english(client, "/inspections/plans/", data)
    assert "Inspection plans" in headings
    body, headings = english(client, f"/inspections/plans/{plan.pk}/", data)
    assert "Coverage by township" in headings and "Back to inspection plans" in body


def test_the_power_cross_check_is_in_english(cast, campaign, in_english):
    url = f"/stats/power/?region={cast.regions.yanji.code}&date={TODAY.isoformat()}"
    body, headings = english(in_english(cast.yanji), url, names(cast, campaign.name))
    assert any(h.startswith("Power cross-check of resumption") for h in headings)
    assert "电力复工核查" not in body and "Export the check list to Excel" in body


def test_chinese_stays_the_default(cast, campaign, login):
    body = login(cast.yanji).get("/inspections/plans/").content.decode()
    assert "督导检查计划" in body and "Inspection plans" not in body
