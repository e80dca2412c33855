from django.core.management.base import BaseCommand

from fugong.core.services import verify_audit_chain


class Command(BaseCommand):
    help = "fugong audit verify: check that no audit-log entry was changed, inserted or removed"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, action, **options):
        checked, problem = verify_audit_chain()
        if problem:
            self.stderr.write(f"audit log TAMPERED after {checked} good entries: {problem}")
            raise SystemExit(1)
        self.stdout.write(f"audit log intact: {checked} entries chained")
