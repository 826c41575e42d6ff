"""Demo content for the safety app: checklists, the grid worker's grids and plans,
three risks and one alert in force. Idempotent."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

from .checklists import checklists_ensure
from .models import Alert, AlertKind, GridAssignment, Risk, RiskType, Severity
from .services import alert_publish, grid_assign, patrol_plan_save, risk_register
from .workflow import RiskLevel

DEMO_ALERT_KEY = uuid.UUID("5afe0000-0000-4000-8000-000000000001")


def seed(cast: Any) -> None:
    templates = {t.code: t for t in checklists_ensure()}
    worker = cast.users["gridworker"]
    committee = cast.users["committee"]
    today = timezone.localdate()
    for n in range(1, 5):
        grid = cast.grid(1, n)
        if not GridAssignment.objects.filter(grid=grid, worker=worker).exists():
            grid_assign(actor=None, grid=grid, worker=worker)
        patrol_plan_save(actor=None, grid=grid, template=templates["fire-exits"], frequency="weekly",
                         starts_on=today - dt.timedelta(days=today.weekday()))
        if n in (1, 2):
            patrol_plan_save(actor=None, grid=grid, template=templates["ebike"], frequency="weekly",
                             starts_on=today - dt.timedelta(days=today.weekday()))
    if not Risk.objects.exists():
        c1 = cast.community(1)
        risks = [
            ("柳岸小区3号楼电动车楼道充电", "柳岸小区3号楼一单元", cast.grid(1, 1), RiskType.EBIKE, RiskLevel.HIGH,
             "public-works", 31.2262, 121.4633),
            ("河滨路下穿通道易积水", "河滨路下穿通道", cast.grid(1, 3), RiskType.FLOOD, RiskLevel.MEDIUM,
             "city-management", 31.2405, 121.4631),
            ("老旧电梯待更换", "柳岸小区7号楼", c1, RiskType.LIFT, RiskLevel.CRITICAL, "housing", 31.2318, 121.4692),
        ]
        for title, place, area, kind, level, dept, lat, lon in risks:
            risk_register(
                actor=committee, title=title, place=place, area=area, risk_type=kind, level=level,
                owner_department=cast.orgs[dept], review_due=today + dt.timedelta(days=14), lat=lat, lon=lon,
                measures="已张贴警示并通知物业。",
            )
    if not Alert.objects.filter(idempotency_key=DEMO_ALERT_KEY).exists():
        alert_publish(
            actor=committee, kind=AlertKind.WEATHER, severity=Severity.WARNING,
            title="暴雨黄色预警：请勿停车于河滨路下穿通道",
            body="气象台发布暴雨黄色预警，预计今夜有强降雨。河滨路下穿通道可能积水，请提前移车，注意出行安全。",
            areas=[cast.community(1)], expires_at=timezone.now() + dt.timedelta(days=2),
            idempotency_key=DEMO_ALERT_KEY,
        )
