"""The morning peak for locust (`bench/bench_load.py` runs it headless against a local server):
employees declaring on their phones, gate devices uploading checks, checkpoints verifying passes
and officers reading the dashboard's figures, in the proportions of a lockdown morning; and the
same server's bare endpoint as the baseline user class."""

import json
import os
import random

from locust import HttpUser, constant, task

DATA = json.loads(open(os.environ["FUGONG_LOAD_DATA"]).read())  # noqa: SIM115
AUTH = {"Authorization": f"Bearer {DATA['token']}"}
DEVICE = {"Authorization": f"Bearer {DATA['device']}"}


class Bare(HttpUser):
    wait_time = constant(0)

    @task
    def ping(self):
        self.client.get("/api/v1/ping", headers=AUTH, name="ping (bare)")


class MorningPeak(HttpUser):
    wait_time = constant(0)

    @task(4)
    def declare(self):
        path = random.choice(DATA["people"])  # the employee's personal link
        self.client.cookies.clear()
        self.client.get(path, name="declaration: open page")
        token = self.client.cookies.get("csrftoken", "")
        self.client.post(
            path,
            {"temperature": "36.5", "test_result": "none"},
            headers={"X-CSRFToken": token},
            name="declaration: one POST",
            allow_redirects=False,
        )

    @task(6)
    def gate(self):
        checks = [{"id_number": random.choice(DATA["ids"]), "temperature": 36.6}]
        self.client.post(
            "/api/v1/health/gate-checks",
            json={"checks": checks},
            headers=DEVICE,
            name="gate check",
        )

    @task(8)
    def verify(self):
        self.client.get(
            f"/api/v1/passes/verify/{random.choice(DATA['passes'])}", name="pass verification"
        )

    @task(1)
    def dashboard(self):
        self.client.get(
            "/api/v1/stats/resumption?region=222400", headers=AUTH, name="dashboard: resumption"
        )
        self.client.get("/api/v1/health/summary", headers=AUTH, name="dashboard: health")
