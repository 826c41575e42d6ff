"""The demo community: a fictional street with its communities, grids, departments and
one person per role. Used by `manage.py demo_seed` (and so `make run`) and, as the
shared persona cast, by the test suite. Idempotent: running it again changes nothing.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from shapely.geometry import Polygon, mapping
from shapely.ops import unary_union

from gongzhi.organizations.models import Membership, Organisation, OrgKind, Role
from gongzhi.territory.models import Area, AreaKind

DEMO_PASSWORD = "gongzhi-demo-2026"
DEMO_EMAIL_DOMAIN = "demo.gongzhi.invalid"

COMMUNITIES = [
    ("C1", "柳岸社区", "Liu'an Community"),
    ("C2", "桥东社区", "Qiaodong Community"),
    ("C3", "梅园社区", "Meiyuan Community"),
]

DEPARTMENTS = [
    ("public-works", "新河街道公共工程科", "Public Works Office"),
    ("city-management", "新河街道城市管理办公室", "City Management Office"),
    ("housing", "临江区住房和建设局", "Housing and Construction Bureau"),
    ("environment", "临江区生态环境局", "Environment Bureau"),
    ("transport", "临江区交通运输局", "Transport Bureau"),
    ("education", "临江区教育局", "Education Bureau"),
    ("health", "临江区卫生健康委员会", "Health Commission"),
    ("civil-affairs", "临江区民政局", "Civil Affairs Bureau"),
]

# (username, display name, organisation code, role, area-scope code or None)
PERSONAS: list[tuple[str, str, str | None, str | None, str | None]] = [
    ("resident", "王小梅", None, None, None),
    ("resident2", "Li Wei", None, None, None),
    ("operator", "热线接线员 张敏", "committee", Role.OPERATOR, None),
    ("clerk", "公共工程科 刘强", "public-works", Role.STAFF, None),
    ("clerk_b", "城管办 陈静", "city-management", Role.STAFF, None),
    ("head", "公共工程科科长 赵磊", "public-works", Role.HEAD, None),
    ("gridworker", "网格员 孙丽", "rc-c1", Role.GRID_WORKER, "JC.LJ.XH.C1"),
    ("social", "志愿服务队 周杰", "volunteers", Role.SOCIAL_MEMBER, None),
    ("mediator", "调解员 吴芳", "mediation", Role.MEDIATOR, None),
    ("committee", "协调委员会 郑华", "committee", Role.COMMITTEE, None),
    ("admin", "系统管理员", "committee", Role.ADMIN, None),
]


@dataclass
class Cast:
    """The demo community, as objects: areas by code, organisations by code, people by username."""

    areas: dict[str, Area] = field(default_factory=dict)
    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)

    @property
    def street(self) -> Area:
        return self.areas["JC.LJ.XH"]

    def community(self, n: int) -> Area:
        return self.areas[f"JC.LJ.XH.C{n}"]

    def grid(self, community: int, n: int) -> Area:
        return self.areas[f"JC.LJ.XH.C{community}.G{n:02d}"]


def _lattice() -> list[list[tuple[float, float]]]:
    """Corner points of a 6 × 2 block of grids, gently irregular like real streets."""
    rng = random.Random(20261122)
    lon0, lat0, dlon, dlat = 121.460, 31.220, 0.0066, 0.0125
    points = []
    for j in range(3):
        row = []
        for i in range(7):
            jitter_lon = rng.uniform(-0.0012, 0.0012) if 0 < i < 6 else 0.0
            jitter_lat = rng.uniform(-0.0015, 0.0015) if 0 < j < 2 else 0.0
            row.append((round(lon0 + i * dlon + jitter_lon, 6), round(lat0 + j * dlat + jitter_lat, 6)))
        points.append(row)
    return points


def _save_area(code: str, kind: str, name_zh: str, name_en: str, parent: Area | None, geom: Any) -> Area:
    from gongzhi.territory.services import area_save

    return area_save(
        actor=None, code=code, kind=kind, name_zh=name_zh, name_en=name_en, parent=parent,
        geometry=mapping(geom) if geom is not None else None,
    )


def _seed_territory(cast: Cast) -> None:
    lattice = _lattice()
    grids: dict[str, list[tuple[str, Polygon]]] = {c[0]: [] for c in COMMUNITIES}
    for ci, (ccode, _zh, _en) in enumerate(COMMUNITIES):
        n = 0
        for j in range(2):
            for i in (2 * ci, 2 * ci + 1):
                n += 1
                quad = Polygon([lattice[j][i], lattice[j][i + 1], lattice[j + 1][i + 1], lattice[j + 1][i]])
                grids[ccode].append((f"G{n:02d}", quad))
    street_geom = unary_union([g for gs in grids.values() for _c, g in gs])
    minx, miny, maxx, maxy = street_geom.bounds
    city = _save_area("JC", AreaKind.CITY, "江城市", "Jiangcheng City", None,
                      Polygon([(minx - 0.08, miny - 0.06), (maxx + 0.08, miny - 0.06), (maxx + 0.08, maxy + 0.06), (minx - 0.08, maxy + 0.06)]))
    district = _save_area("JC.LJ", AreaKind.DISTRICT, "临江区", "Linjiang District", city,
                          Polygon([(minx - 0.02, miny - 0.015), (maxx + 0.02, miny - 0.015), (maxx + 0.02, maxy + 0.015), (minx - 0.02, maxy + 0.015)]))
    street = _save_area("JC.LJ.XH", AreaKind.STREET, "新河街道", "Xinhe Street", district, street_geom)
    cast.areas.update({a.code: a for a in (city, district, street)})
    for ccode, zh, en in COMMUNITIES:
        cgeom = unary_union([g for _c, g in grids[ccode]])
        community = _save_area(f"{street.code}.{ccode}", AreaKind.COMMUNITY, zh, en, street, cgeom)
        cast.areas[community.code] = community
        for gcode, geom in grids[ccode]:
            number = int(gcode[1:])
            grid = _save_area(
                f"{community.code}.{gcode}", AreaKind.GRID, f"{zh}第{number}网格", f"{en}, grid {number}", community, geom
            )
            cast.areas[grid.code] = grid


def _org(cast: Cast, code: str, kind: str, zh: str, en: str, area: Area, parent: Organisation | None = None,
         verified: bool = True) -> Organisation:
    org, _ = Organisation.objects.update_or_create(
        code=code,
        defaults={"kind": kind, "name_zh": zh, "name_en": en, "area": area, "parent": parent, "is_verified": verified},
    )
    cast.orgs[code] = org
    return org


def _seed_organisations(cast: Cast) -> None:
    street = cast.street
    committee = _org(cast, "committee", OrgKind.COMMITTEE, "新河街道社区治理协调委员会", "Xinhe Street Coordinating Committee", street)
    for code, zh, en in DEPARTMENTS:
        area = street if code in ("public-works", "city-management") else cast.areas["JC.LJ"]
        _org(cast, code, OrgKind.DEPARTMENT, zh, en, area, parent=None)
    for n, (ccode, zh, en) in enumerate(COMMUNITIES, start=1):
        _org(cast, f"rc-c{n}", OrgKind.RESIDENTS_COMMITTEE, f"{zh}居民委员会", f"{en} Residents' Committee",
             cast.areas[f"{street.code}.{ccode}"], parent=committee)
    _org(cast, "volunteers", OrgKind.SOCIAL, "新河志愿服务队", "Xinhe Volunteer Service Team", street)
    _org(cast, "anju-property", OrgKind.ENTERPRISE, "安居物业管理有限公司", "Anju Property Management Co.", street)
    _org(cast, "mediation", OrgKind.MEDIATION, "新河街道人民调解委员会", "Xinhe Street People's Mediation Committee", street)
    _org(cast, "legal-aid", OrgKind.LEGAL_AID, "临江区法律援助中心", "Linjiang Legal Aid Centre", cast.areas["JC.LJ"])


def _seed_people(cast: Cast) -> None:
    from allauth.account.models import EmailAddress

    from gongzhi.accounts.models import Residence, ResidenceStatus

    User = get_user_model()
    for username, display, org_code, role, area_code in PERSONAS:
        email = f"{username}@{DEMO_EMAIL_DOMAIN}"
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"email": email, "display_name": display, "preferred_language": "en" if username == "resident2" else "zh-hans"},
        )
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if username == "admin" and not (user.is_superuser and user.is_staff):
            user.is_superuser = user.is_staff = True
            user.save(update_fields=["is_superuser", "is_staff"])
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        if org_code and role:
            Membership.objects.update_or_create(
                user=user, organisation=cast.orgs[org_code], role=role,
                defaults={"area": cast.areas[area_code] if area_code else None, "is_active": True},
            )
        cast.users[username] = user
    for username, community in (("resident", 1), ("resident2", 2)):
        Residence.objects.get_or_create(
            user=cast.users[username], area=cast.community(community), status=ResidenceStatus.APPROVED,
        )


@transaction.atomic
def seed_demo() -> Cast:
    """Create or refresh the demo community and return it as a Cast."""
    cast = Cast()
    _seed_territory(cast)
    _seed_organisations(cast)
    _seed_people(cast)
    return cast


def seed_apps(cast: Cast) -> list[str]:
    """Let each app add its demo content (`gongzhi/<app>/demo.py` with `seed(cast)`)."""
    seeded = []
    for config in apps.get_app_configs():
        if not config.name.startswith("gongzhi.") or config.label == "core":
            continue
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        module.seed(cast)
        seeded.append(config.label)
    return seeded
