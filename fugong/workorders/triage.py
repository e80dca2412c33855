"""The triage classifier: proposes a work order's category from its text, with a calibrated
confidence.

The product model (`PRODUCT`) was chosen by repeated stratified cross-validation on 247 real,
labelled citizen messages to a city government and on the generated corpus, against a plain
character 1–3-gram TF-IDF + LinearSVC baseline computed in the same run (`compare`,
`fugong triage compare FILE.xlsx`; figures in the README). It is a character 1–2-gram TF-IDF
(`analyzer="char"`: Chinese has no spaces for `char_wb` to respect) over the title weighted
three times plus the detail, with a class-weighted linear SVM whose scores are calibrated into
probabilities by temperature scaling fitted on held-out folds (`CalibratedSVC`), so the
confidence means what it says: proposals at ≥ 0.9 are right ≥ 90 % of the time on held-out
messages.

A proposal with confidence ≥ `PRESELECT_AT` is pre-selected on the order page; below it, it is
shown as a suggestion only (`preselect`).

Any label set can be trained (`fugong triage train FILE.xlsx`). Without a trained model the
default one is trained from the generated corpus and cached in VAR_DIR, at process start-up
(`warm_up`, called by the WSGI module and the worker), never inside a request. CPU only, no
downloads.
"""

import hashlib
import inspect
import os
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from . import corpus

PRESELECT_AT = 0.9  # a proposal this confident is pre-selected; below, only suggested
TITLE_SEP = "\x1f"  # joins a title and its detail in one text (`join`)
TITLE_WEIGHT = 3

_lock = threading.Lock()
_model = None


def join(title, detail) -> str:
    """One text of a title (主题) and its detail (详情), for training and proposing."""
    title, detail = (title or "").strip(), (detail or "").strip()
    return f"{title}{TITLE_SEP}{detail}" if title and detail else title or detail


def weighted_fields(texts) -> list[str]:
    """The title repeated TITLE_WEIGHT times before the detail; a text without a title as is."""
    out = []
    for text in texts:
        title, sep, detail = str(text).partition(TITLE_SEP)
        out.append(("\n".join([title] * TITLE_WEIGHT) + "\n" + detail) if sep else title)
    return out


def words(text) -> list[str]:
    """Chinese words (rjieba, jieba's segmenter in Rust), for the word n-gram candidates."""
    import rjieba  # deferred: only the word candidates and hot spots segment

    return [w for w in rjieba.cut(text) if w.strip()]


def _candidates():
    """name → (description, builder). Builders return unfitted scikit-learn pipelines."""
    # deferred: scikit-learn takes a second to import, and only training needs it
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer as Tfidf
    from sklearn.naive_bayes import ComplementNB
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.preprocessing import FunctionTransformer
    from sklearn.svm import LinearSVC

    from .calibrated import Blend, CalibratedSVC

    def title_first():
        return FunctionTransformer(weighted_fields)

    def char(lo, hi, **kw):
        return Tfidf(analyzer="char", ngram_range=(lo, hi), **kw)

    def word_vec(**kw):
        return Tfidf(tokenizer=words, token_pattern=None, lowercase=False, **kw)

    def svm(**kw):
        return LinearSVC(**kw)

    balanced = {"class_weight": "balanced"}
    return {
        "baseline": (
            "char 1–3 TF-IDF + LinearSVC (the floor)",
            lambda: make_pipeline(char(1, 3), svm()),
        ),
        "char_wb": (
            "char_wb 1–3 + LinearSVC",
            lambda: make_pipeline(Tfidf(analyzer="char_wb", ngram_range=(1, 3)), svm()),
        ),
        "balanced": (
            "char 1–3 + class-weighted LinearSVC",
            lambda: make_pipeline(char(1, 3), svm(**balanced)),
        ),
        "words+char": (
            "rjieba words + char 1–3, class-weighted LinearSVC",
            lambda: make_pipeline(make_union(char(1, 3), word_vec()), svm(**balanced)),
        ),
        "title": (
            "title ×3 + detail, char 1–2 (min_df 2), class-weighted LinearSVC",
            lambda: make_pipeline(title_first(), char(1, 2, min_df=2), svm(**balanced)),
        ),
        "words_nb": (
            "title ×3 + detail, rjieba words, ComplementNB",
            lambda: make_pipeline(title_first(), word_vec(), ComplementNB(alpha=0.1)),
        ),
        "platt": (
            "as title, probabilities by Platt scaling (CalibratedClassifierCV, 3 folds)",
            lambda: make_pipeline(
                title_first(),
                char(1, 2, min_df=2),
                CalibratedClassifierCV(svm(**balanced), cv=3, method="sigmoid"),
            ),
        ),
        "blend": (
            "sum of standardised scores: the title SVM and the words ComplementNB",
            lambda: Blend(
                (
                    make_pipeline(title_first(), char(1, 2, min_df=2), svm(**balanced)),
                    make_pipeline(title_first(), word_vec(), ComplementNB(alpha=0.1)),
                )
            ),
        ),
        "product": (
            "as title, probabilities by temperature scaling over 5 folds (CalibratedSVC)",
            lambda: make_pipeline(title_first(), char(1, 2, min_df=2), CalibratedSVC(folds=5)),
        ),
    }


PRODUCT = "product"
BASELINE = "baseline"
CANDIDATES = (
    "baseline",
    "char_wb",
    "balanced",
    "words+char",
    "title",
    "words_nb",
    "platt",
    "blend",
    "product",
)


def build(kind=PRODUCT):
    return _candidates()[kind][1]()


def describe(kind) -> str:
    return _candidates()[kind][0]


def train(texts, labels, kind=PRODUCT):
    """A fitted model; a label set too small for 3-fold Platt scaling gets fewer folds."""

    model, texts, labels = build(kind), list(texts), list(labels)
    last = model.steps[-1][1] if hasattr(model, "steps") else model
    smallest = min(Counter(labels).values())
    if isinstance(getattr(last, "cv", None), int) and smallest < last.cv:
        last.set_params(cv=max(2, smallest))
    return model.fit(texts, labels)


def model_path() -> Path:
    """This installation's own trained model (`fugong triage train`, the weekly retrain)."""
    return Path(settings.VAR_DIR) / "triage.joblib"


def default_path() -> Path:
    """The cached default model, named after what it was built from (the corpus, this module
    and scikit-learn's version), so an upgrade rebuilds it."""
    import sklearn

    source = inspect.getsource(corpus) + inspect.getsource(_candidates) + sklearn.__version__
    digest = hashlib.sha256(source.encode()).hexdigest()[:12]
    return Path(settings.VAR_DIR) / f"triage-default-{digest}.joblib"


def save(model, path=None):
    import joblib  # deferred with scikit-learn

    path = Path(path or model_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    joblib.dump(model, partial)
    partial.replace(path)  # atomic: a worker starting beside us never reads half a file


def _load_or_build():
    import joblib  # deferred with scikit-learn

    for path in (model_path(), default_path()):
        if path.exists():
            try:
                return joblib.load(path)
            except Exception:  # noqa: BLE001  (a file of another version: rebuild)
                continue

    texts, labels = zip(*corpus.generate(), strict=True)
    model = train(texts, labels)
    try:
        save(model, default_path())
    except OSError:
        pass  # a read-only VAR_DIR: keep it in memory
    return model


def default_model():
    """The trained model of this installation, or the default one trained from the corpus."""
    global _model
    with _lock:
        if _model is None:
            _model = _load_or_build()
        return _model


def warm_up() -> float:
    """Load (or build) the model now and run one proposal through it, so no request pays for
    it; returns the seconds it took. Called at process start by fugong.wsgi and the worker."""
    started = time.perf_counter()
    propose("口罩不够用")
    return time.perf_counter() - started


def reset():
    global _model
    with _lock:
        _model = None


def propose(text, model=None):
    """(category code, confidence 0–1) for one text."""
    model = model or default_model()
    probabilities = model.predict_proba([text])[0]
    best = probabilities.argmax()
    return str(model.classes_[best]), float(probabilities[best])


def preselect(confidence) -> bool:
    """Whether a proposal is confident enough to be pre-selected (else only suggested)."""
    return confidence is not None and confidence >= PRESELECT_AT


@dataclass
class Evaluation:
    accuracy: float
    macro_f1: float
    per_class: dict

    def as_dict(self):
        return {"accuracy": self.accuracy, "macro_f1": self.macro_f1, "per_class": self.per_class}

    def table(self):
        lines = [
            f"accuracy {self.accuracy:.3f}  macro-F1 {self.macro_f1:.3f}",
            f"{'class':<16}{'precision':>10}{'recall':>8}{'f1':>8}{'n':>6}",
        ]
        for label, m in self.per_class.items():
            lines.append(
                f"{label:<16}{m['precision']:>10.3f}{m['recall']:>8.3f}"
                f"{m['f1']:>8.3f}{m['support']:>6d}"
            )
        return "\n".join(lines)


def evaluate(model, texts, labels) -> Evaluation:
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    predicted = model.predict(list(texts))
    classes = sorted(set(labels) | set(predicted))
    p, r, f, n = precision_recall_fscore_support(labels, predicted, labels=classes, zero_division=0)
    return Evaluation(
        accuracy=float(accuracy_score(labels, predicted)),
        macro_f1=float(f1_score(labels, predicted, average="macro", zero_division=0)),
        per_class={
            c: {
                "precision": float(p[i]),
                "recall": float(r[i]),
                "f1": float(f[i]),
                "support": int(n[i]),
            }
            for i, c in enumerate(classes)
        },
    )


def _splits(labels, splits, repeats, seed):

    from sklearn.model_selection import RepeatedStratifiedKFold

    splits = max(2, min(splits, min(Counter(labels).values())))
    return RepeatedStratifiedKFold(n_splits=splits, n_repeats=repeats, random_state=seed)


def compare(texts, labels, kinds=CANDIDATES, splits=5, repeats=4, seed=0) -> dict:
    """Macro-F1 of each candidate over repeated stratified splits, the same splits for all:
    {kind: {"description", "macro_f1" (mean), "spread" (standard deviation over the folds),
    "ratio" (to the baseline's mean), "seconds" (mean fit + predict time), "folds"}}."""
    from sklearn.metrics import f1_score

    texts, labels = np.array(list(texts), dtype=object), np.array(list(labels), dtype=object)
    folds = list(_splits(list(labels), splits, repeats, seed).split(texts, labels))
    kinds = [BASELINE] + [k for k in kinds if k != BASELINE]
    out = {}
    for kind in kinds:
        scores, started = [], time.perf_counter()
        for fit, held in folds:
            model = train(texts[fit], labels[fit], kind)
            predicted = model.predict(list(texts[held]))
            scores.append(f1_score(labels[held], predicted, average="macro", zero_division=0))
        out[kind] = {
            "description": describe(kind),
            "macro_f1": float(np.mean(scores)),
            "spread": float(np.std(scores)),
            "seconds": (time.perf_counter() - started) / len(folds),
            "folds": len(folds),
        }
    for result in out.values():
        result["ratio"] = result["macro_f1"] / out[BASELINE]["macro_f1"]
    return out


CALIBRATION_BINS = (0.0, 0.5, 0.7, 0.8, 0.9, 1.0)


def calibration(texts, labels, kind=PRODUCT, splits=5, repeats=2, seed=0) -> dict:
    """How often held-out proposals are right per confidence band, and above PRESELECT_AT:
    {"bins": [{"low", "high", "n", "right"}], "preselected": {"n", "right", "share"}}."""

    texts, labels = np.array(list(texts), dtype=object), np.array(list(labels), dtype=object)
    confidences, right = [], []
    for fit, held in _splits(list(labels), splits, repeats, seed).split(texts, labels):
        model = train(texts[fit], labels[fit], kind)
        probabilities = model.predict_proba(list(texts[held]))
        best = probabilities.argmax(axis=1)
        confidences += list(probabilities[np.arange(len(held)), best])
        right += list(model.classes_[best] == labels[held])
    confidences, right = np.array(confidences), np.array(right)
    bins = []
    for low, high in zip(CALIBRATION_BINS, CALIBRATION_BINS[1:], strict=False):
        inside = (confidences >= low) & ((confidences < high) | (high == 1.0))
        n = int(inside.sum())
        share = float(right[inside].mean()) if n else None
        bins.append({"low": low, "high": high, "n": n, "right": share})
    chosen = confidences >= PRESELECT_AT
    return {
        "bins": bins,
        "preselected": {
            "n": int(chosen.sum()),
            "right": float(right[chosen].mean()) if chosen.any() else None,
            "share": float(chosen.mean()),
        },
        "accuracy": float(right.mean()),
    }


def retrain_with_confirmed(orders):
    """Train on the generated corpus plus the categories officers confirmed on real orders
    (`orders`: iterable of (text, category code)), save it as this installation's model and
    use it from now on. Returns the number of confirmed texts used."""

    confirmed = list(orders)
    texts, labels = zip(*(corpus.generate() + confirmed), strict=True)
    save(train(texts, labels))
    reset()
    return len(confirmed)
