from django.core.management.base import BaseCommand, CommandError

from fugong.core import services
from fugong.core.models import ApiToken, User
from fugong.core.permissions import SYSTEM


class Command(BaseCommand):
    help = "API tokens: fugong token create USERNAME [--name N] | list USERNAME | revoke PREFIX"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "list", "revoke"])
        parser.add_argument("target", help="USERNAME (create, list) or token prefix (revoke)")
        parser.add_argument("--name", default="command line")

    def handle(self, action, target, name, **options):
        if action == "revoke":
            token = ApiToken.objects.filter(prefix=target).first()
            if token is None:
                raise CommandError(f"no token with prefix {target}")
            services.revoke_token(token, SYSTEM)
            self.stdout.write(f"revoked {target}")
            return
        user = User.objects.filter(username=target).first()
        if user is None:
            raise CommandError(f"no such user: {target}")
        if action == "create":
            _token, raw = services.issue_token(user, name)
            self.stdout.write(raw)
        else:
            for t in user.api_tokens.all():
                self.stdout.write(f"{t.prefix}\t{t.name}\t{t.created_at:%Y-%m-%d %H:%M}")
