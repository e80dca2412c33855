from django.core.management.base import BaseCommand

from fugong.registry import demo


class Command(BaseCommand):
    help = "Load the demo city (延边州) and print the demo logins. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enterprises",
            type=int,
            default=300,
            help="how many enterprises (default 300; e.g. 10000 for benchmarks)",
        )
        parser.add_argument("--quiet", action="store_true")

    def handle(self, enterprises, quiet, **options):
        created, logins = demo.build(enterprises)
        if quiet:
            return
        self.stdout.write(f"demo city 延边州: {enterprises} enterprises ({created} new)")
        self.stdout.write(f"demo logins (password {demo.DEMO_PASSWORD}):")
        for username, desc in logins:
            self.stdout.write(f"  {username:<10} {desc}")
