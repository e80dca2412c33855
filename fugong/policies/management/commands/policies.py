import json

from django.core.management.base import BaseCommand, CommandError

from fugong.core.models import User
from fugong.core.permissions import SYSTEM
from fugong.policies import services
from fugong.policies.models import Policy


class Command(BaseCommand):
    help = (
        "Relief policies: `match POLICY_ID_OR_NAME [--json] [--user U] [--near]` prints the "
        "enterprises that qualify (in U's scope; default all) with the rules each meets; "
        "`publish POLICY_ID_OR_NAME` publishes a draft and notifies the enterprises it fits"
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["match", "publish"])
        parser.add_argument("policy", help="the policy's id or its exact title")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--user", help="match in this user's data scope")
        parser.add_argument(
            "--near", action="store_true", help="near-misses (one rule missing) instead"
        )

    def handle(self, action, policy, json, user, near, **options):
        actor = SYSTEM
        if user:
            actor = User.objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"no such user: {user}")
        try:
            found = services.find_policy(actor, policy)
        except Policy.DoesNotExist as exc:
            raise CommandError(f"no such policy (or not in {user}'s scope): {policy}") from exc
        if action == "publish":
            told = services.publish(actor, found, found.version)
            self.stdout.write(f"published «{found.title}»; {told} enterprises notified")
            return
        listed = (services.near_misses if near else services.matches)(found, actor)
        if json:
            self.stdout.write(_json([m.as_dict() for m in listed]))
            return
        what = "miss one rule of" if near else "qualify for"
        self.stdout.write(f"{len(listed)} enterprises {what} «{found.title}» (#{found.pk})")
        for m in listed:
            self.stdout.write(f"{m.enterprise.uscc}  {m.enterprise.name}")
            for _kind, text in m.met:
                self.stdout.write(f"    ✓ {text}")
            for _kind, text in m.missing:
                self.stdout.write(f"    ✗ {text}")


def _json(data):
    return json.dumps(data, ensure_ascii=False, indent=2)
