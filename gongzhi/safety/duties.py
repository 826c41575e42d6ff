"""The duty types and the grid worker's whitelist.

Grid workers look after places and help their neighbours. Enforcement, fines and the
watching of persons belong to no one on this platform's grid; those types exist only so
that a request for them is refused with the reason.

The catalogue is written by migration 0002 and written again after a database flush
(Django's ``post_migrate`` signal, which ``flush`` also sends) when the table is empty,
so an emptied database never silently allows or refuses the wrong things. An existing
catalogue is never touched: a duty the committee removed from the whitelist stays
removed.
"""

from __future__ import annotations

from typing import Any

ALLOWED = [
    ("safety-patrol", "安全巡查", "Safety patrol"),
    ("hazard-check", "隐患排查", "Hazard check of a place"),
    ("alert-relay", "预警信息传达", "Passing on alerts to residents"),
    ("policy-info", "政策宣传", "Information round on policies"),
    ("case-follow-up", "诉求回访", "Following up a case with its reporter"),
    ("event-support", "社区活动协助", "Helping at community events"),
]

REFUSED = [
    ("collect-fines", "收缴罚款", "Collecting fines",
     "罚款属于行政执法，只能由依法有执法权的部门实施，网格员不得承担。",
     "fines are law enforcement, which only a department with legal authority may carry out."),
    ("monitor-person", "盯控特定人员", "Monitoring a person",
     "网格工作面向场所和隐患，不对个人进行跟踪、盯控或登记。",
     "grid work is about places and hazards; no one is followed, watched or listed."),
    ("enforce-demolition", "强制拆除", "Enforcing demolition",
     "强制措施属于行政执法，只能由依法有执法权的部门实施。",
     "coercive measures are law enforcement, which only a department with legal authority may carry out."),
    ("collect-personal-data", "采集居民个人信息", "Collecting residents' personal data",
     "平台不建立居民个人档案；需要的信息由居民本人提交。",
     "the platform keeps no files on residents; people give their own details themselves."),
]



def duty_types_seed(duty_model: Any, whitelist_model: Any) -> None:
    """Write the catalogue with the given (possibly historical) models. Idempotent."""
    for code, zh, en in ALLOWED:
        duty, _ = duty_model.objects.update_or_create(code=code, defaults={"name_zh": zh, "name_en": en})
        whitelist_model.objects.get_or_create(role="grid_worker", duty_type=duty)
    for code, zh, en, reason_zh, reason_en in REFUSED:
        duty_model.objects.update_or_create(
            code=code,
            defaults={"name_zh": zh, "name_en": en, "refusal_reason_zh": reason_zh, "refusal_reason_en": reason_en},
        )


def duty_types_restore(using: str = "default", **kwargs: Any) -> None:
    """``post_migrate`` receiver: seed the catalogue if the table is empty (after a flush)."""
    from .models import DutyType, RoleDutyWhitelist

    if not DutyType.objects.using(using).exists():
        duty_types_seed(DutyType, RoleDutyWhitelist)
