"""The triage classifier: proposes a work order's category from its text, with a confidence.

A character n-gram TF-IDF (Chinese needs no word segmentation at this level) with a
logistic-regression classifier, chosen by held-out measurement (see `compare`). Any label set
can be trained (`fugong triage train FILE.xlsx`, columns 文本, 类别); without a trained model
the default one is trained on first use from the generated corpus, so a new installation
triages from day one. CPU only, no downloads."""

import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

_lock = threading.Lock()
_model = None


def build(kind="logreg"):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import ComplementNB
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=1
    )
    classifier = {
        "logreg": lambda: LogisticRegression(C=10, max_iter=2000),
        "svm": lambda: LinearSVC(C=1.0),
        "nb": lambda: ComplementNB(alpha=0.3),
    }[kind]()
    return make_pipeline(vectorizer, classifier)


def train(texts, labels, kind="logreg"):
    model = build(kind)
    model.fit(list(texts), list(labels))
    return model


def model_path() -> Path:
    return Path(settings.VAR_DIR) / "triage.joblib"


def save(model, path=None):
    import joblib

    path = Path(path or model_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path)


def default_model():
    """The trained model of this installation, or the default trained from the corpus."""
    global _model
    with _lock:
        if _model is None:
            path = model_path()
            if path.exists():
                import joblib

                _model = joblib.load(path)
            else:
                from .corpus import generate

                texts, labels = zip(*generate(), strict=True)
                _model = train(texts, labels)
        return _model


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


def retrain_with_confirmed(orders):
    """Train on the generated corpus plus the categories officers confirmed on real orders
    (`orders`: iterable of (text, category code)), save it as this installation's model and
    use it from now on. Returns the number of confirmed texts used."""
    from .corpus import generate

    confirmed = list(orders)
    texts, labels = zip(*(generate() + confirmed), strict=True)
    save(train(texts, labels))
    reset()
    return len(confirmed)
