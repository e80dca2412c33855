"""Work orders: triage throughput, and the cost of finding similar open orders for a new one as
the number of open orders grows (1,000 → 10,000 → 100,000).

Baselines measured in the same run: for triage, the TF-IDF transform alone (the floor of any
classifier on these features); for grouping, the plain indexed query that fetches the same
candidate orders.

    python bench/bench_workorders.py [--sizes 1000 10000 100000]
"""

import argparse
import time

from common import p50, setup


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    args = parser.parse_args()
    vendor = setup()

    from django.utils import timezone

    from fugong.core.models import Campaign
    from fugong.registry import demo
    from fugong.registry.models import Enterprise
    from fugong.workorders import corpus, services, triage
    from fugong.workorders.models import OPEN_STATES, WorkOrder

    demo.build(300)
    model = triage.default_model()
    texts = [t for t, _c in corpus.generate(per_category=200, seed=11)]
    vectorizer = model[:-1]  # every step before the classifier: the features

    def rate(fn):  # best of three, after a warm-up
        fn()
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - started)
        return len(texts) / best

    floor = rate(lambda: vectorizer.transform(texts))
    batch = rate(lambda: model.predict_proba(texts))
    one = p50(lambda: triage.propose("货车进不了城，原料运不进来", model), 200)
    print(f"database: {vendor}; triage on {len(texts)} texts")
    print(f"TF-IDF transform only (baseline): {floor:10.0f} texts/s")
    print(f"classify in batch:               {batch:10.0f} texts/s  ratio {batch / floor:.2f}")
    print(f"classify one text (p50):         {one * 1e3:10.2f} ms")

    campaign = Campaign.objects.get()
    enterprises = list(Enterprise.objects.values_list("pk", flat=True))
    pool = corpus.generate(per_category=1000, seed=5)
    now = timezone.now()
    print("open orders   candidates query p50   similar orders p50   ratio")
    made = 0
    for size in args.sizes:
        rows = []
        for i in range(made, size):
            text, label = pool[i % len(pool)]
            rows.append(
                WorkOrder(
                    campaign=campaign,
                    enterprise_id=enterprises[i % len(enterprises)],
                    text=text,
                    channel="h5",
                    proposed_label=label,
                    state="new",
                    created_at=now,
                )
            )
        WorkOrder.objects.bulk_create(rows, batch_size=5000)
        made = size
        probe = WorkOrder.objects.filter(proposed_label="logistics").first()

        def query(probe=probe):
            return list(
                WorkOrder.objects.filter(campaign=campaign, state__in=OPEN_STATES)
                .exclude(pk=probe.pk)
                .filter(services.models_q_label("logistics"))
                .select_related("enterprise")
                .order_by("-created_at")[: services.CANDIDATES]
            )

        base = p50(query, 10)
        similar = p50(lambda probe=probe: services.similar_open_orders(probe), 10)
        print(
            f"{size:>11}   {base * 1e3:17.1f} ms   {similar * 1e3:15.1f} ms   {similar / base:5.1f}"
        )


if __name__ == "__main__":
    main()
