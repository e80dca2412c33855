import time

from django.core.management.base import BaseCommand

from fugong.approvals.demo import build as build_applications
from fugong.approvals.models import Application
from fugong.consultations.demo import build as build_lines
from fugong.dashboard.demo import build_boundaries, build_readings, settle_project_orders
from fugong.financing.demo import build as build_financing
from fugong.health.demo import build as build_roster
from fugong.health.demo import build_large_roster
from fugong.inspections.demo import build as build_inspections
from fugong.passes.demo import build as build_passes
from fugong.policies.demo import build as build_policies
from fugong.projects.demo import build as build_projects
from fugong.registry import demo
from fugong.registry.demo import LIVE_CAMPAIGN
from fugong.reporting.demo import build_live_reports, build_reports
from fugong.supplies.demo import build as build_supplies
from fugong.workforce.demo import build as build_workforce


class Command(BaseCommand):
    help = (
        "Load the demo city (延边州) with its daily reports and print the demo logins. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enterprises",
            type=int,
            default=300,
            help="how many enterprises (default 300; e.g. 10000 for benchmarks)",
        )
        parser.add_argument(
            "--report-days",
            type=int,
            default=27,
            help="days of daily reports from 2020-02-03 (default 27; up to 180)",
        )
        parser.add_argument(
            "--employees",
            type=int,
            default=0,
            help="also a roster of this many employees over the enterprises, for the health "
            "benchmarks (e.g. 1000000; COPY on PostgreSQL)",
        )
        parser.add_argument(
            "--workers", type=int, default=1, help="processes encrypting the --employees roster"
        )
        parser.add_argument("--quiet", action="store_true")

    def handle(self, enterprises, report_days, employees, workers, quiet, **options):
        timings = {}

        def timed(part, build, *args):
            started = time.monotonic()
            result = build(*args)
            timings[part] = time.monotonic() - started
            return result

        created, logins = timed("enterprises", demo.build, enterprises)
        reports = timed("reports", build_reports, report_days)
        reports += timed("live reports", build_live_reports)
        applications, passes = build_applications(), build_passes()
        roster = build_roster()
        large_roster = timed("employees", build_large_roster, employees, workers)
        policies = build_policies()
        financing, service_logins = build_financing()
        purchases = build_supplies()
        lines = build_lines()
        vacancies, workforce_logins = build_workforce()
        boundaries, readings = build_boundaries(), build_readings()
        closed_loop = Application.objects.filter(
            campaign__name=LIVE_CAMPAIGN, kind="closed_loop", state="approved"
        ).values_list("enterprise_id", flat=True)
        inspections = build_inspections(LIVE_CAMPAIGN, list(closed_loop[:1]))
        projects, links = build_projects()
        settle_project_orders()
        if quiet:
            return
        self.stdout.write(
            "built in " + ", ".join(f"{part} {seconds:.1f} s" for part, seconds in timings.items())
        )
        if large_roster:
            self.stdout.write(f"a roster of {large_roster} employees over the enterprises")
        self.stdout.write(
            f"demo city 延边州: {enterprises} enterprises ({created} new), "
            f"{reports} daily reports written, {applications} applications, {passes} "
            f"passes and a roster of {roster} in the running demo campaign, {policies} relief "
            f"policies, {financing} financing needs, {purchases} proxy purchases, {lines} "
            f"consultation lines, {vacancies} vacancies; {boundaries} county boundaries and "
            f"{readings} electricity readings written; {inspections} inspections done, "
            f"{projects} key projects, {links} supply-chain links"
        )
        self.stdout.write(
            f"demo logins (password {demo.DEMO_PASSWORD}; each account sets its own password "
            "at first login):"
        )
        for username, desc in [*logins, *service_logins, *workforce_logins]:
            self.stdout.write(f"  {username:<10} {desc}")
