from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.core.errors import DomainError
from gongzhi.open311.services import open311_key_create
from gongzhi.organizations.models import Organisation


class Command(BaseCommand):
    help = "Issue Open311 API keys. `open311_key create --organisation CODE` prints the new key once."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Issue a new key for an organisation.")
        create.add_argument("--organisation", required=True, help="The organisation's code.")
        create.add_argument("--name", default="", help="What the key is for.")

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["organisation"]
        organisation = Organisation.objects.filter(code=code).first()
        if organisation is None:
            raise CommandError(f"No organisation has the code {code!r}.")
        try:
            _key, raw = open311_key_create(actor=None, organisation=organisation, name=options["name"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(raw)
