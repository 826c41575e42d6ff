"""The curl examples of docs/api.md run against a live server, so the guide never goes stale."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "api.md"
BLOCK = re.compile(r"```sh\n# expect: (?P<status>\d{3})\n(?P<command>.*?)```", re.S)


def examples() -> list[tuple[int, str]]:
    return [(int(m.group("status")), m.group("command").strip()) for m in BLOCK.finditer(GUIDE.read_text())]


def test_the_guide_has_examples_for_both_apis():
    commands = " ".join(c for _s, c in examples())
    assert "/api/v1/" in commands and "/open311/v2/" in commands


@pytest.mark.django_db(transaction=True)
def test_every_curl_example_in_the_guide_answers_as_documented(live_server, tcatalogue, tmp_path):
    from PIL import Image

    from gongzhi.api.services import token_create
    from gongzhi.cases.models import Category
    from gongzhi.cases.services import case_submit
    from gongzhi.open311.services import open311_key_create

    cast = tcatalogue
    _t, token = token_create(actor=cast.resident, name="docs", scope="read_write")
    _k, key = open311_key_create(actor=None, organisation=cast.orgs["public-works"], name="docs")
    grid = cast.grid(1, 2)
    number, request_id = (
        case_submit(actor=cast.resident, channel="web", category=Category.objects.get(code="pothole"),
                    description="A pothole for the guide.", lat=grid.centroid_lat, lon=grid.centroid_lon).number
        for _ in range(2)
    )
    photo = tmp_path / "pothole.jpg"
    Image.new("RGB", (40, 30), (120, 120, 120)).save(photo, format="JPEG")
    body = tmp_path / "body"
    # Every example's own curl call, made silent and made to print the status code.
    prelude = f'curl() {{ command curl -sS -o "{body}" -w "%{{http_code}}" --max-time 20 "$@"; }}\n'
    failures = []
    for expected, command in examples():
        result = subprocess.run(
            ["bash", "-c", prelude + command], capture_output=True, text=True, timeout=60,
            env={"PATH": "/usr/bin:/bin", "GONGZHI": live_server.url, "TOKEN": token, "OPEN311_KEY": key, "NUMBER": number, "REQUEST_ID": request_id, "PHOTO": str(photo),
                 "DOCS_TMP": str(tmp_path)},
        )
        status = result.stdout.strip()[-3:]
        if result.returncode != 0 or status != str(expected):
            failures.append(f"{command}\n  expected {expected}, got {status!r} {result.stderr} "
                            f"{body.read_text()[:300] if body.exists() else ''}")
    assert not failures, "\n".join(failures)
