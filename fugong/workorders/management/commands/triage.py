import json

from django.core.management.base import BaseCommand, CommandError

from fugong.core.excel import Column, Importer, open_workbook
from fugong.workorders import corpus, triage

FORMS = "columns 文本, 类别 — or 主题, 详情, 类别"


class _Sheet(Importer):
    """Reads a labelled sheet: 文本 (text) or 主题 (title) and 详情 (detail), and 类别 (label) —
    any label set."""

    kind = "triage"
    columns = [
        Column("text", "文本", ("text",)),
        Column("title", "主题", ("title", "标题", "留言主题")),
        Column("detail", "详情", ("detail", "留言详情", "内容")),
        Column("label", "类别", ("label", "category", "一级分类", "一级标签"), True),
    ]


def read(path):
    """(texts, labels) of a labelled sheet; a CommandError naming every bad row."""
    try:
        with open(path, "rb") as fh:
            rows, errors = _Sheet().read(fh.read())
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
    if errors:
        raise CommandError("\n".join(f"row {e.row} [{e.column}]: {e.reason}" for e in errors))
    texts, labels, bad = [], [], []
    for n, row in rows:
        text = row["text"] or triage.join(row["title"], row["detail"])
        if not text:
            bad.append(f"row {n} [文本]: empty (needs 文本, or 主题 and/or 详情)")
        texts.append(text)
        labels.append(row["label"])
    if bad:
        raise CommandError("\n".join(bad[:50]) + f"\n{FORMS}")
    return texts, labels


def _require_text_columns(path):
    """A sheet must carry 文本, or 主题/详情: say so before reading rows."""
    with open(path, "rb") as fh:
        try:
            grids = open_workbook(fh.read())
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
    found = set()
    for grid in grids:  # the header may stand below title rows, on any sheet
        for header in grid.rows[:30]:
            found |= set(_Sheet().header_map(header or ()))
    if not ({"text", "title", "detail"} & found):
        raise CommandError(f"missing column 文本 (or 主题 and 详情); {FORMS}")


class Command(BaseCommand):
    help = (
        "Triage model: fugong triage train FILE.xlsx | evaluate FILE.xlsx [--json] | "
        f"compare [FILE.xlsx] [--json] ({FORMS}; compare without a file uses the generated "
        "corpus)"
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["train", "evaluate", "compare", "calibration"])
        parser.add_argument("file", nargs="?")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--repeats", type=int, default=4, help="compare: repeated splits")
        parser.add_argument("--splits", type=int, default=5, help="compare: folds per repeat")
        parser.add_argument(
            "--kinds", default=",".join(triage.CANDIDATES), help="compare: candidates to run"
        )

    def handle(self, action, file, json, **options):
        if action in ("compare", "calibration"):
            texts, labels = self._labelled(file)
            if action == "calibration":
                result = triage.calibration(texts, labels, repeats=options["repeats"])
                self.stdout.write(_dumps(result) if json else calibration_table(result))
                return
            kinds = [k for k in options["kinds"].split(",") if k]
            unknown = set(kinds) - set(triage.CANDIDATES)
            if unknown:
                raise CommandError(f"unknown candidates {sorted(unknown)}: {triage.CANDIDATES}")
            result = triage.compare(
                texts, labels, kinds, splits=options["splits"], repeats=options["repeats"]
            )
            self.stdout.write(_dumps(result) if json else compare_table(result, len(texts)))
            return
        if not file:
            raise CommandError(f"{action} needs FILE.xlsx ({FORMS})")
        texts, labels = self._labelled(file)
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

    def _labelled(self, file):
        if not file:  # the generated corpus
            texts, labels = zip(*corpus.generate(per_category=60, seed=7), strict=True)
            return list(texts), list(labels)
        _require_text_columns(file)
        texts, labels = read(file)
        if len(set(labels)) < 2:
            raise CommandError("a labelled file needs at least two labels")
        return texts, labels


def compare_table(result, n):
    first = next(iter(result.values()))
    lines = [
        f"{n} texts, {first['folds']} stratified held-out folds; macro-F1 mean ± spread (sd)",
        f"{'candidate':<12}{'macro-F1':>16}{'× baseline':>12}{'s/fit':>8}  description",
    ]
    for kind, r in result.items():
        lines.append(
            f"{kind:<12}{r['macro_f1']:>9.3f} ± {r['spread']:.3f}{r['ratio']:>11.3f}×"
            f"{r['seconds']:>8.2f}  {r['description']}"
        )
    return "\n".join(lines)


def calibration_table(result):
    lines = [f"held-out accuracy {result['accuracy']:.3f}", "confidence    n   right"]
    for b in result["bins"]:
        right = "—" if b["right"] is None else f"{b['right']:.3f}"
        lines.append(f"{b['low']:.1f}–{b['high']:.1f} {b['n']:>6} {right:>7}")
    p = result["preselected"]
    right = "—" if p["right"] is None else f"{p['right']:.3f}"
    lines.append(
        f"≥ {triage.PRESELECT_AT} (pre-selected): {p['n']} proposals ({p['share']:.0%}), "
        f"right {right}"
    )
    return "\n".join(lines)


def _dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=2)
