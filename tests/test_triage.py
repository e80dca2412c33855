"""The triage classifier: held-out quality on real messages (against the baseline, calibrated)
and on the generated corpus, training on any label set from a sheet (文本, or 主题 and 详情),
evaluation and comparison output, and the proposal on every new order."""

import json
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fugong.workorders import corpus, triage

from .xlsx import xlsx

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "data" / "messages-visible.xlsx"


def real_messages():
    """The 247 real labelled messages (read from ../shared/data, never copied)."""
    import openpyxl

    if not REAL.exists():
        pytest.skip(f"{REAL} is not laid beside the checkout")
    sheet = openpyxl.load_workbook(REAL, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    index = {h: i for i, h in enumerate(rows[0])}
    texts = [triage.join(r[index["主题"]], r[index["详情"]]) for r in rows[1:]]
    return texts, [r[index["类别"]] for r in rows[1:]]


@pytest.fixture(autouse=True)
def own_model_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    triage.reset()
    yield
    triage.reset()


def test_it_beats_the_baseline_on_held_out_real_messages():
    texts, labels = real_messages()
    result = triage.compare(texts, labels, ["product"], splits=5, repeats=1)
    assert result["product"]["macro_f1"] >= result["baseline"]["macro_f1"]
    assert result["product"]["ratio"] >= 1.0 and result["baseline"]["ratio"] == 1.0


def test_it_is_right_nine_times_in_ten_when_nine_tenths_sure_on_real_messages():
    texts, labels = real_messages()
    table = triage.calibration(texts, labels, repeats=1)
    chosen = table["preselected"]
    assert chosen["n"] >= 20 and chosen["right"] >= 0.9
    assert sum(b["n"] for b in table["bins"]) == len(texts)


def test_it_preselects_only_confident_proposals():
    assert triage.preselect(triage.PRESELECT_AT) and triage.preselect(0.99)
    assert not triage.preselect(triage.PRESELECT_AT - 0.01) and not triage.preselect(None)


def test_no_category_of_the_corpus_is_told_by_one_template_word():
    data = corpus.generate()
    fragments = {w for subjects, predicates in corpus.PARTS.values() for w in subjects + predicates}
    predicates = {c: set(p) for c, (_s, p) in corpus.PARTS.items()}
    for code in corpus.PARTS:
        mine = [t for t, c in data if c == code]
        others = [t for t, c in data if c != code]
        own = [w for w in fragments if not any(w in t for t in others)]
        # no word only this category uses appears in as much as a fifth of its texts
        assert max(sum(w in t for t in mine) / len(mine) for w in own) < 0.2, code
        shared = predicates[code] & set().union(*(p for c, p in predicates.items() if c != code))
        assert len(shared) >= len(predicates[code]) / 5, code


def test_held_out_wording_is_classified_well():
    train_x, train_y = zip(*corpus.generate(per_category=300, part="train"), strict=True)
    test_x, test_y = zip(*corpus.generate(per_category=60, seed=9, part="held-out"), strict=True)
    assert not set(test_x) & set(train_x) or len(set(test_x) & set(train_x)) < len(test_x) / 10
    result = triage.evaluate(triage.train(train_x, train_y), test_x, test_y)
    assert result.macro_f1 > 0.9 and set(result.per_class) == set(corpus.PROBLEMS)


def test_the_default_model_proposes_with_a_confidence():
    label, confidence = triage.propose("货车在高速口被劝返，原料运不进来")
    assert label == "logistics" and 0.5 < confidence <= 1
    assert triage.propose("口罩只够用两天了")[0] == "supplies"
    assert triage.propose("工人回不来，生产线开不满")[0] == "labour"


def test_ten_thousand_texts_train_in_under_a_minute():
    texts, labels = zip(*corpus.generate(per_category=910, seed=3), strict=True)
    assert len(texts) >= 10000
    started = time.perf_counter()
    triage.train(texts, labels)
    assert time.perf_counter() - started < 60


def test_train_on_any_label_set_and_evaluate(tmp_path, capsys):
    rows = [
        (t, {"logistics": "交通运输局", "labour": "人社局", "finance": "金融办"}.get(c))
        for t, c in corpus.generate(per_category=60, seed=4)
    ]
    rows = [[t, d] for t, d in rows if d]
    path = tmp_path / "hotline.xlsx"
    path.write_bytes(xlsx(["文本", "类别"], rows))
    call_command("triage", "train", str(path))
    assert "3 labels" in capsys.readouterr().out and triage.model_path().exists()
    assert triage.propose("银行贷款到期还不上")[0] == "金融办"
    call_command("triage", "evaluate", str(path), "--json")
    result = json.loads(capsys.readouterr().out)
    assert result["accuracy"] > 0.9 and set(result["per_class"]) == {
        "交通运输局",
        "人社局",
        "金融办",
    }
    call_command("triage", "evaluate", str(path))
    assert "macro-F1" in capsys.readouterr().out


def test_bad_sheets_are_refused(tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx(["内容"], [["x"]]))
    with pytest.raises(CommandError, match="文本"):
        call_command("triage", "train", str(path))
    path.write_bytes(xlsx(["文本", "类别"], [["a", "一"], ["b", "一"]]))
    with pytest.raises(CommandError, match="two labels"):
        call_command("triage", "train", str(path))


def test_every_new_order_carries_a_proposal(cast):
    import datetime

    from django.utils import timezone

    from fugong.core.models import Campaign
    from fugong.workorders.services import create_order

    campaign = Campaign.objects.create(
        name="c",
        region=cast.regions.yanbian,
        starts_on=timezone.localdate() - datetime.timedelta(1),
    )
    order = create_order(cast.contact_a, campaign, cast.a, "天然气限供了，锅炉停了", "h5")
    assert order.proposed_label == "energy" and order.proposed_confidence > 0.3
    assert order.category is None  # a proposal until an officer confirms it


def test_the_weekly_retrain_learns_confirmed_categories(cast):
    import datetime

    from django.utils import timezone

    from fugong.core.models import Campaign
    from fugong.workorders import services
    from fugong.workorders.models import Category

    campaign = Campaign.objects.create(
        name="c",
        region=cast.regions.yanbian,
        starts_on=timezone.localdate() - datetime.timedelta(1),
    )
    text = "大棚里的秧苗冻坏了要补种"  # wording the generated corpus never uses
    order = services.create_order(cast.contact_a, campaign, cast.a, text, "h5")
    services.transition(
        cast.yanji, order, "triage", order.version, category=Category.objects.get(code="materials")
    )
    for _ in range(30):  # the same confirmation, many times, as weeks of hotline work would
        o = services.create_order(cast.contact_a, campaign, cast.a, text + "。", "h5")
        services.transition(
            cast.yanji, o, "triage", o.version, category=Category.objects.get(code="materials")
        )
    assert services.retrain_triage() == 31
    assert triage.model_path().exists()
    assert triage.propose(text)[0] == "materials"


def _three_departments(n, seed):
    names = {"logistics": "交通运输局", "labour": "人社局", "finance": "金融办"}
    return [(t, names[c]) for t, c in corpus.generate(per_category=n, seed=seed) if c in names]


def test_it_trains_and_evaluates_from_title_and_detail_sheets(tmp_path, capsys):
    rows = []
    for text, label in _three_departments(50, 5):
        title, _sep, detail = text.partition("，")
        rows.append([str(len(rows) + 1), title, detail, label])
    path = tmp_path / "messages.xlsx"
    path.write_bytes(xlsx(["编号", "主题", "详情", "类别"], rows))
    call_command("triage", "train", str(path))
    assert "150 texts, 3 labels" in capsys.readouterr().out
    assert triage.propose(triage.join("贷款", "银行贷款到期还不上了"))[0] == "金融办"
    call_command("triage", "evaluate", str(path), "--json")
    result = json.loads(capsys.readouterr().out)
    assert result["accuracy"] > 0.9 and len(result["per_class"]) == 3


def test_it_compares_the_candidates_with_the_baseline_on_any_labelled_file(tmp_path, capsys):
    path = tmp_path / "hotline.xlsx"
    path.write_bytes(xlsx(["文本", "类别"], [list(r) for r in _three_departments(20, 6)]))
    args = ["triage", "compare", str(path), "--kinds", "title,blend,product", "--repeats", "1"]
    call_command(*args, "--splits", "3")
    out = capsys.readouterr().out
    assert "60 texts, 3 stratified held-out folds" in out
    lines = {line.split()[0]: line for line in out.splitlines()[2:]}
    assert set(lines) == {"baseline", "title", "blend", "product"}
    assert all("±" in line and "×" in line for line in lines.values())
    call_command(*args, "--splits", "3", "--json")
    result = json.loads(capsys.readouterr().out)
    assert result["baseline"]["ratio"] == 1.0 and result["product"]["folds"] == 3
    assert 0 < result["product"]["macro_f1"] <= 1 and result["product"]["spread"] >= 0
    with pytest.raises(CommandError, match="unknown candidates"):
        call_command("triage", "compare", str(path), "--kinds", "bert")
