import json

from django.core.management.base import BaseCommand, CommandError

from fugong.core.excel import Column, Importer
from fugong.workorders import corpus, triage


class _Sheet(Importer):
    """Reads a labelled sheet: 文本 (text), 类别 (label) — any label set."""

    kind = "triage"
    columns = [
        Column("text", "文本", ("text",), True),
        Column("label", "类别", ("label", "category"), True),
    ]


def read(path):
    try:
        with open(path, "rb") as fh:
            rows, errors = _Sheet().read(fh.read())
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
    if errors:
        raise CommandError("\n".join(f"row {e.row} [{e.column}]: {e.reason}" for e in errors))
    return [r["text"] for _n, r in rows], [r["label"] for _n, r in rows]


class Command(BaseCommand):
    help = (
        "Triage model: fugong triage train FILE.xlsx | evaluate FILE.xlsx [--json] | "
        "compare (columns 文本, 类别)"
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["train", "evaluate", "compare"])
        parser.add_argument("file", nargs="?")
        parser.add_argument("--json", action="store_true")

    def handle(self, action, file, json, **options):
        if action == "compare":
            result = compare()
            self.stdout.write(
                _dumps(result)
                if json
                else "\n".join(
                    f"{k:<8} accuracy {v['accuracy']:.3f} macro-F1 {v['macro_f1']:.3f} "
                    f"train {v['seconds']:.2f} s"
                    for k, v in result.items()
                )
            )
            return
        if not file:
            raise CommandError(f"{action} needs FILE.xlsx (columns 文本, 类别)")
        texts, labels = read(file)
        if action == "train":
            if len(set(labels)) < 2:
                raise CommandError("training needs at least two labels")
            triage.save(triage.train(texts, labels))
            triage.reset()
            self.stdout.write(
                f"trained on {len(texts)} texts, {len(set(labels))} labels; "
                f"saved {triage.model_path()}"
            )
            return
        result = triage.evaluate(triage.default_model(), texts, labels)
        self.stdout.write(_dumps(result.as_dict()) if json else result.table())


def compare():
    """Held-out figures of each candidate model on the generated corpus (wording and
    combinations the training part never saw)."""
    import time

    train_x, train_y = zip(*corpus.generate(per_category=400, seed=2020, part="train"), strict=True)
    test_x, test_y = zip(*corpus.generate(per_category=100, seed=7, part="held-out"), strict=True)
    out = {}
    for kind in ("logreg", "svm", "nb"):
        started = time.perf_counter()
        model = triage.train(train_x, train_y, kind)
        seconds = time.perf_counter() - started
        result = triage.evaluate(model, test_x, test_y)
        out[kind] = {"accuracy": result.accuracy, "macro_f1": result.macro_f1, "seconds": seconds}
    return out


def _dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=2)
