"""Point → area look-up over an STRtree of polygons, built once per process.

The tree is rebuilt when the territory's version (a cache key bumped by every import
or edit) changes, so all workers converge without a restart.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep

from .models import Area, AreaKind

VERSION_KEY = "territory:version"


def bump_version() -> None:
    # A random token, not a counter: if the cache is cleared, a fresh token can never
    # collide with the one an old index was built at.
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def current_version() -> str:
    return str(cache.get_or_set(VERSION_KEY, lambda: uuid.uuid4().hex, timeout=None))


@dataclass
class _Index:
    version: str
    tree: STRtree | None
    ids: list[int]
    geoms: list[BaseGeometry]
    prepared: list[object]


class SpatialIndex:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._lock = threading.Lock()
        self._index: _Index | None = None

    def _build(self, version: str) -> _Index:
        ids: list[int] = []
        geoms: list[BaseGeometry] = []
        for pk, geometry in Area.objects.filter(kind=self.kind, is_active=True).exclude(geometry=None).values_list(
            "pk", "geometry"
        ):
            try:
                geom = shape(geometry)
            except (TypeError, ValueError, KeyError):
                continue
            ids.append(pk)
            geoms.append(geom)
        tree = STRtree(geoms) if geoms else None
        return _Index(version, tree, ids, geoms, [prep(g) for g in geoms])

    def _get(self) -> _Index:
        version = current_version()
        index = self._index
        if index is None or index.version != version:
            with self._lock:
                index = self._index
                if index is None or index.version != version:
                    index = self._build(version)
                    self._index = index
        return index

    def lookup_id(self, lat: float, lon: float) -> int | None:
        index = self._get()
        if index.tree is None:
            return None
        point = Point(lon, lat)
        for i in index.tree.query(point):
            if index.prepared[int(i)].covers(point):  # type: ignore[attr-defined]
                return index.ids[int(i)]
        return None


_grids = SpatialIndex(AreaKind.GRID)
_communities = SpatialIndex(AreaKind.COMMUNITY)


def grid_for_point(lat: float, lon: float) -> Area | None:
    """The grid containing the point (WGS84), or None outside every grid."""
    pk = _grids.lookup_id(lat, lon)
    return Area.objects.select_related("parent").filter(pk=pk).first() if pk else None


def area_for_point(lat: float, lon: float) -> Area | None:
    """The most specific area containing the point: its grid, else its community."""
    return grid_for_point(lat, lon) or (
        Area.objects.filter(pk=pk).first() if (pk := _communities.lookup_id(lat, lon)) else None
    )


def grid_id_for_point(lat: float, lon: float) -> int | None:
    return _grids.lookup_id(lat, lon)
