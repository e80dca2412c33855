"""Temperature-scaled probabilities for a linear SVM (the triage's confidence). Imported only
when a model is built or loaded, since it imports scikit-learn."""

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC


class CalibratedSVC(ClassifierMixin, BaseEstimator):
    """A class-weighted linear SVM whose decision scores become probabilities by temperature
    scaling: softmax(score / T), with T fitted (maximum likelihood) on scores the SVM gave to
    texts it was not trained on (`folds`-fold cross-validation). The proposed label is the
    SVM's own, trained on all texts; only the confidence is calibrated."""

    def __init__(self, folds=5, C=1.0):
        self.folds, self.C = folds, C

    def _svm(self):
        return LinearSVC(C=self.C, class_weight="balanced")

    @staticmethod
    def _scores(svm, X):
        scores = svm.decision_function(X)
        return scores if scores.ndim == 2 else _two_columns(scores)

    def fit(self, X, y):
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        folds = min(self.folds, int(min(np.unique(y, return_counts=True)[1])))
        held = np.zeros((len(y), len(self.classes_)))
        if folds >= 2:
            split = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
            for fit, rest in split.split(np.zeros(len(y)), y):
                svm = self._svm().fit(X[fit], y[fit])
                columns = np.searchsorted(self.classes_, svm.classes_)
                held[np.ix_(rest, columns)] = self._scores(svm, X[rest])
            truth = np.searchsorted(self.classes_, y)

            def loss(log_t):
                p = _softmax(held / np.exp(log_t))
                return -np.log(p[np.arange(len(y)), truth] + 1e-12).mean()

            self.temperature_ = float(np.exp(minimize_scalar(loss, bounds=(-5, 3)).x))
        else:
            self.temperature_ = 1.0
        self.svm_ = self._svm().fit(X, y)
        return self

    def decision_function(self, X):
        return self._scores(self.svm_, X)

    def predict_proba(self, X):
        return _softmax(self.decision_function(X) / self.temperature_)

    def predict(self, X):
        return self.classes_[self.decision_function(X).argmax(axis=1)]


class Blend(ClassifierMixin, BaseEstimator):
    """The sum of several fitted pipelines' decision scores, each standardised per text (a
    naive Bayes model's log-probabilities stand in for its scores): a char-n-gram SVM and a
    word naive Bayes make different mistakes. Proposes labels; no calibrated confidence."""

    def __init__(self, parts=()):
        self.parts = parts

    def fit(self, X, y):
        self.fitted_ = [clone(part).fit(X, y) for part in self.parts]
        self.classes_ = self.fitted_[0].classes_
        return self

    def decision_function(self, X):
        total = 0
        for model in self.fitted_:
            if hasattr(model, "decision_function"):
                scores = model.decision_function(X)
            else:
                scores = np.log(model.predict_proba(X) + 1e-9)
            spread = scores.std(axis=1, keepdims=True) + 1e-9
            total = total + (scores - scores.mean(axis=1, keepdims=True)) / spread
        return total

    def predict(self, X):
        return self.classes_[self.decision_function(X).argmax(axis=1)]


def _two_columns(scores):
    return np.column_stack([-scores / 2, scores / 2])


def _softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
