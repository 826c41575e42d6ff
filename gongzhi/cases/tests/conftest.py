from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image


def _seed(cast: Any) -> None:
    from gongzhi.cases import demo

    demo.seed_calendar()
    demo.seed_categories()
    demo.seed_catalogue(cast)


@pytest.fixture(scope="session")
def _cases_seeded(django_db_setup: Any, django_db_blocker: Any) -> None:
    """Seed the tree, catalogue and calendar once per test database (tests roll back on top)."""
    from gongzhi.core.demo import seed_demo

    with django_db_blocker.unblock():
        _seed(seed_demo())


@pytest.fixture
def catalogue(_cases_seeded: Any, cast: Any) -> Any:
    """The default category tree, catalogue and 2026 calendar on top of the cast."""
    from gongzhi.cases.models import Category

    if not Category.objects.filter(code="pothole").exists():  # after a transactional test's flush
        _seed(cast)
    return cast


@pytest.fixture
def tcatalogue(tcast: Any) -> Any:
    _seed(tcast)
    return tcast


def jpeg_bytes(size: tuple[int, int] = (40, 30), exif_gps: bool = False) -> bytes:
    img = Image.new("RGB", size, (200, 80, 40))
    out = io.BytesIO()
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "CameraMaker"
        exif[0x8825] = {1: "N", 2: (31.0, 13.0, 40.0)}
        img.save(out, format="JPEG", exif=exif)
    else:
        img.save(out, format="JPEG")
    return out.getvalue()


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


def new_case(cast: Any, code: str = "pothole", **kwargs: Any) -> Any:
    from gongzhi.cases.models import Category
    from gongzhi.cases.services import case_submit

    area = kwargs.pop("area", cast.grid(1, 1))
    params: dict[str, Any] = {
        "actor": cast.resident,
        "channel": "web",
        "category": Category.objects.get(code=code),
        "description": "A deep pothole at the corner of Liu'an Road.",
        "area": area,
        "lat": area.centroid_lat if area else None,
        "lon": area.centroid_lon if area else None,
    }
    params.update(kwargs)
    return case_submit(**params)
