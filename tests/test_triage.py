"""The triage classifier: held-out quality on the generated corpus, training on any label set
from a sheet, evaluation output, and the proposal on every new order."""

import json
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fugong.workorders import corpus, triage

from .xlsx import xlsx


@pytest.fixture(autouse=True)
def own_model_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    triage.reset()
    yield
    triage.reset()


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
