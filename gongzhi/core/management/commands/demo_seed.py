from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gongzhi.core.demo import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD, PERSONAS, seed_apps, seed_demo


class Command(BaseCommand):
    help = "Create or refresh the demo community (idempotent) and print the demo accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet-accounts", action="store_true", help="Do not print the demo accounts.")

    def handle(self, *args: Any, **options: Any) -> None:
        cast = seed_demo()
        seeded = seed_apps(cast)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo community ready: {len(cast.areas)} areas, {len(cast.orgs)} organisations, "
                f"{len(cast.users)} people" + (f"; content from {', '.join(seeded)}" if seeded else "")
            )
        )
        if options["quiet_accounts"]:
            return
        self.stdout.write(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
        for username, _display, org_code, role, _area in PERSONAS:
            what = f"{role} · {cast.orgs[org_code].name_en}" if org_code and role else "resident"
            self.stdout.write(f"  {username:<11} {what:<55} {username}@{DEMO_EMAIL_DOMAIN}")
