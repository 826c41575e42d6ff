"""The default bilingual category tree, the dispatch catalogue, the 2026 calendar and
about thirty demo cases in various states. Idempotent."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction

from .models import Case, Category, DayKind, DispatchRule, Holiday, WorkCalendar

# (code, name_zh, name_en, case_type, department, children); leaves have children = [].
# Leaf options: a trailing dict with anonymous/urgency/questions/public.
Node = tuple[Any, ...]

TREE: list[Node] = [
    (
        "city",
        "市政服务",
        "City services",
        "complaint",
        "public-works",
        [
            (
                "city-roads",
                "道路与设施",
                "Roads and facilities",
                "complaint",
                "public-works",
                [
                    (
                        "pothole",
                        "路面坑洼",
                        "Pothole",
                        "complaint",
                        "public-works",
                        {
                            "anonymous": True,
                            "questions": [
                                {
                                    "code": "size",
                                    "label_zh": "坑洞大小",
                                    "label_en": "Size of the hole",
                                    "datatype": "singlevaluelist",
                                    "required": False,
                                    "values": [
                                        {"key": "small", "name": "small / 小"},
                                        {"key": "large", "name": "large / 大"},
                                    ],
                                }
                            ],
                        },
                    ),
                    (
                        "streetlight",
                        "路灯故障",
                        "Street light out",
                        "complaint",
                        "public-works",
                        {"anonymous": True},
                    ),
                    (
                        "manhole",
                        "井盖缺失或损坏",
                        "Missing or broken manhole cover",
                        "report",
                        "public-works",
                        {"urgency": "urgent", "anonymous": True},
                    ),
                    (
                        "sidewalk",
                        "人行道损坏",
                        "Damaged pavement",
                        "complaint",
                        "public-works",
                        {"anonymous": True},
                    ),
                ],
            ),
            (
                "city-utilities",
                "水电气暖",
                "Utilities",
                "help",
                "public-works",
                [
                    (
                        "water-outage",
                        "停水或水压低",
                        "Water outage or low pressure",
                        "help",
                        "public-works",
                        {"urgency": "high"},
                    ),
                    (
                        "drain-blocked",
                        "下水道堵塞",
                        "Blocked drain",
                        "complaint",
                        "public-works",
                        {},
                    ),
                    ("heating", "供暖问题", "Heating problem", "help", "housing", {}),
                ],
            ),
            (
                "city-appearance",
                "市容环境",
                "City appearance",
                "complaint",
                "city-management",
                [
                    (
                        "litter",
                        "垃圾堆放",
                        "Litter and dumped rubbish",
                        "complaint",
                        "city-management",
                        {"anonymous": True},
                    ),
                    (
                        "illegal-stall",
                        "占道经营",
                        "Street stalls blocking the way",
                        "complaint",
                        "city-management",
                        {"anonymous": True},
                    ),
                    (
                        "graffiti",
                        "乱涂乱画与小广告",
                        "Graffiti and flyposting",
                        "complaint",
                        "city-management",
                        {"anonymous": True},
                    ),
                ],
            ),
        ],
    ),
    (
        "environment",
        "生态环境",
        "Environment",
        "complaint",
        "environment",
        [
            (
                "env-pollution",
                "污染",
                "Pollution",
                "complaint",
                "environment",
                [
                    ("noise", "噪声扰民", "Noise", "complaint", "environment", {"anonymous": True}),
                    (
                        "air",
                        "废气与油烟",
                        "Smoke, fumes and cooking smells",
                        "complaint",
                        "environment",
                        {"anonymous": True},
                    ),
                    (
                        "water-pollution",
                        "水体污染",
                        "Water pollution",
                        "report",
                        "environment",
                        {"anonymous": True},
                    ),
                ],
            ),
            (
                "env-green",
                "绿化",
                "Greenery",
                "help",
                "city-management",
                [
                    (
                        "tree",
                        "树木倒伏或需修剪",
                        "Fallen or overgrown tree",
                        "help",
                        "city-management",
                        {},
                    ),
                    (
                        "green-space",
                        "绿地损毁",
                        "Damaged green space",
                        "complaint",
                        "city-management",
                        {},
                    ),
                ],
            ),
        ],
    ),
    (
        "transport",
        "交通出行",
        "Transport",
        "complaint",
        "transport",
        [
            (
                "transport-road",
                "道路交通",
                "Road traffic",
                "complaint",
                "transport",
                [
                    (
                        "parking",
                        "违规停车",
                        "Illegal parking",
                        "complaint",
                        "transport",
                        {"anonymous": True},
                    ),
                    (
                        "traffic-signal",
                        "信号灯故障",
                        "Traffic signal fault",
                        "report",
                        "transport",
                        {"urgency": "high", "anonymous": True},
                    ),
                    (
                        "bus",
                        "公交线路与站点",
                        "Bus routes and stops",
                        "suggestion",
                        "transport",
                        {},
                    ),
                ],
            ),
            (
                "transport-bike",
                "非机动车",
                "Bicycles and e-bikes",
                "complaint",
                "transport",
                [
                    (
                        "shared-bikes",
                        "共享单车乱停放",
                        "Badly parked shared bikes",
                        "complaint",
                        "transport",
                        {"anonymous": True},
                    ),
                ],
            ),
        ],
    ),
    (
        "housing",
        "住房与物业",
        "Housing and property",
        "complaint",
        "housing",
        [
            (
                "housing-property",
                "物业管理",
                "Property management",
                "complaint",
                "housing",
                [
                    (
                        "property-service",
                        "物业服务质量",
                        "Property management service",
                        "complaint",
                        "housing",
                        {},
                    ),
                    (
                        "lift",
                        "电梯故障",
                        "Lift out of order",
                        "help",
                        "housing",
                        {"urgency": "high"},
                    ),
                    ("leak", "房屋漏水", "Leaking building", "help", "housing", {}),
                ],
            ),
            (
                "housing-building",
                "建筑与装修",
                "Building and renovation",
                "complaint",
                "housing",
                [
                    (
                        "illegal-building",
                        "违章搭建",
                        "Unauthorised construction",
                        "report",
                        "city-management",
                        {"anonymous": True},
                    ),
                    (
                        "renovation-noise",
                        "装修扰民",
                        "Renovation noise",
                        "complaint",
                        "housing",
                        {},
                    ),
                ],
            ),
        ],
    ),
    (
        "social",
        "社会保障",
        "Social security",
        "help",
        "civil-affairs",
        [
            (
                "social-support",
                "救助与补贴",
                "Assistance and allowances",
                "help",
                "civil-affairs",
                [
                    (
                        "elderly-care",
                        "养老服务",
                        "Care for older people",
                        "help",
                        "civil-affairs",
                        {"public": False},
                    ),
                    (
                        "disability",
                        "残疾人服务",
                        "Services for disabled people",
                        "help",
                        "civil-affairs",
                        {"public": False},
                    ),
                    (
                        "hardship",
                        "困难救助",
                        "Hardship assistance",
                        "help",
                        "civil-affairs",
                        {"public": False},
                    ),
                ],
            ),
        ],
    ),
    (
        "health",
        "卫生健康",
        "Health",
        "help",
        "health",
        [
            (
                "health-services",
                "医疗与防疫",
                "Health services",
                "help",
                "health",
                [
                    ("clinic", "社区卫生服务", "Community clinic", "question", "health", {}),
                    (
                        "food-safety",
                        "食品安全",
                        "Food safety",
                        "report",
                        "health",
                        {"anonymous": True},
                    ),
                ],
            ),
        ],
    ),
    (
        "education",
        "教育",
        "Education",
        "help",
        "education",
        [
            (
                "education-school",
                "学校与入学",
                "Schools and enrolment",
                "question",
                "education",
                [
                    ("enrolment", "入学咨询", "School enrolment", "question", "education", {}),
                    (
                        "school-safety",
                        "校园周边安全",
                        "Safety around schools",
                        "report",
                        "education",
                        {},
                    ),
                ],
            ),
        ],
    ),
    (
        "safety",
        "安全隐患",
        "Safety hazards",
        "report",
        "city-management",
        [
            (
                "safety-fire",
                "消防安全",
                "Fire safety",
                "report",
                "city-management",
                [
                    (
                        "fire-exit",
                        "消防通道堵塞",
                        "Blocked fire exit",
                        "report",
                        "city-management",
                        {"urgency": "high", "anonymous": True},
                    ),
                    (
                        "ebike-charging",
                        "电动车违规充电",
                        "Unsafe e-bike charging",
                        "report",
                        "city-management",
                        {"urgency": "high", "anonymous": True},
                    ),
                ],
            ),
            (
                "safety-other",
                "其他隐患",
                "Other hazards",
                "report",
                "public-works",
                [
                    (
                        "gas",
                        "燃气隐患",
                        "Gas hazard",
                        "report",
                        "public-works",
                        {"urgency": "urgent", "anonymous": True},
                    ),
                    (
                        "construction-site",
                        "工地安全",
                        "Building-site safety",
                        "report",
                        "housing",
                        {"anonymous": True},
                    ),
                ],
            ),
        ],
    ),
    (
        "neighbours",
        "邻里纠纷",
        "Neighbour disputes",
        "help",
        "city-management",
        [
            (
                "neighbours-disputes",
                "邻里矛盾",
                "Disputes between neighbours",
                "help",
                "city-management",
                [
                    (
                        "neighbour-noise",
                        "邻里噪声纠纷",
                        "Noise between neighbours",
                        "help",
                        "city-management",
                        {"public": False},
                    ),
                    (
                        "shared-space",
                        "公共空间占用",
                        "Use of shared space",
                        "help",
                        "city-management",
                        {"public": False},
                    ),
                    ("pets", "宠物扰民", "Pets", "help", "city-management", {"public": False}),
                ],
            ),
        ],
    ),
    (
        "suggestions",
        "意见建议",
        "Suggestions",
        "suggestion",
        "city-management",
        [
            (
                "suggestions-community",
                "社区建设",
                "Community life",
                "suggestion",
                "city-management",
                [
                    (
                        "facility-suggestion",
                        "设施建设建议",
                        "Suggestion for a facility",
                        "suggestion",
                        "city-management",
                        {},
                    ),
                    (
                        "service-suggestion",
                        "服务改进建议",
                        "Suggestion for a service",
                        "suggestion",
                        "city-management",
                        {},
                    ),
                ],
            ),
        ],
    ),
    (
        "questions",
        "政策咨询",
        "Questions",
        "question",
        "city-management",
        [
            (
                "questions-policy",
                "政策与办事",
                "Policies and procedures",
                "question",
                "city-management",
                [
                    (
                        "procedure",
                        "办事流程咨询",
                        "How to get something done",
                        "question",
                        "city-management",
                        {},
                    ),
                    ("policy", "政策解读", "Explaining a policy", "question", "civil-affairs", {}),
                ],
            ),
        ],
    ),
]

# 2026 public holidays and make-up working days (State Council schedule).
HOLIDAYS_2026: list[tuple[str, str, str]] = [
    *[(f"2026-01-0{d}", "holiday", "元旦 New Year") for d in (1, 2, 3)],
    ("2026-01-04", "workday", "元旦调休 make-up day"),
    ("2026-02-14", "workday", "春节调休 make-up day"),
    *[(f"2026-02-{d}", "holiday", "春节 Spring Festival") for d in range(15, 24)],
    ("2026-02-28", "workday", "春节调休 make-up day"),
    *[(f"2026-04-0{d}", "holiday", "清明节 Qingming") for d in (4, 5, 6)],
    *[(f"2026-05-0{d}", "holiday", "劳动节 Labour Day") for d in (1, 2, 3, 4, 5)],
    ("2026-05-09", "workday", "劳动节调休 make-up day"),
    *[(f"2026-06-{d}", "holiday", "端午节 Dragon Boat") for d in (19, 20, 21)],
    ("2026-09-20", "workday", "国庆节调休 make-up day"),
    *[(f"2026-09-{d}", "holiday", "中秋节 Mid-Autumn") for d in (25, 26, 27)],
    *[(f"2026-10-0{d}", "holiday", "国庆节 National Day") for d in range(1, 8)],
    ("2026-10-10", "workday", "国庆节调休 make-up day"),
]

DEMO_TEXTS = [
    ("pothole", "柳岸路口有一个大坑，雨天积水，电动车容易摔倒。", 1, 1),
    ("streetlight", "桥东三弄的路灯已经坏了一周，晚上很黑。", 2, 1),
    ("litter", "梅园小区东门外堆了很多建筑垃圾。", 3, 2),
    ("noise", "The bar on Riverside Road plays loud music after midnight every weekend.", 1, 2),
    ("parking", "消防通道口经常有车辆违停。", 2, 2),
    ("lift", "5号楼电梯停运三天了，老人上下楼很困难。", 1, 3),
    ("shared-bikes", "Shared bikes block the pavement outside the metro exit.", 3, 1),
    ("tree", "台风后小区门口的大树歪了，有倒下的危险。", 2, 4),
    ("drain-blocked", "菜市场旁边的下水道堵塞，污水外溢。", 1, 4),
    ("ebike-charging", "3号楼楼道里有人私拉电线给电动车充电。", 3, 3),
    ("facility-suggestion", "建议在社区公园增设几张长椅和遮阳棚。", 1, 1),
    ("procedure", "How do I apply for a residence certificate for my child's school?", 2, 3),
    ("air", "小区楼下餐馆油烟直排，家里窗户都不敢开。", 3, 4),
    ("sidewalk", "学校门口人行道砖块松动，孩子容易绊倒。", 1, 2),
    ("graffiti", "小区围墙上贴满了小广告。", 2, 1),
]

# The states the demo cases are walked to, in order of the workflow.
DEMO_PATHS = [
    [],
    ["dispatch"],
    ["dispatch", "accept"],
    ["dispatch", "accept", "start", "note"],
    ["dispatch", "accept", "request_info"],
    ["dispatch", "accept", "reply"],
    ["dispatch", "accept", "reply", "evaluate"],
    ["dispatch", "return"],
]


def _walk(
    node: Node, parent: Category | None, sort: list[int], leaves: dict[str, tuple[Category, str]]
) -> None:
    from .services import category_save

    code, zh, en, case_type, dept, rest = node
    options = rest if isinstance(rest, dict) else {}
    category = Category.objects.filter(code=code).first() or Category(code=code)
    category.parent = parent
    category.name_zh, category.name_en, category.case_type = zh, en, case_type
    category.allows_anonymous = bool(options.get("anonymous", False))
    category.public_by_default = bool(options.get("public", True))
    category.default_urgency = options.get("urgency", "normal")
    category.questions = options.get("questions", [])
    if category.default_urgency == "urgent":
        category.response_hours, category.resolution_days = 2, 3
    elif category.default_urgency == "high":
        category.response_hours, category.resolution_days = 4, 5
    elif case_type == "question":
        category.response_hours, category.resolution_days = 8, 5
    else:
        category.response_hours, category.resolution_days = 24, 10
    sort[0] += 1
    category.sort = sort[0]
    category_save(actor=None, category=category)
    if isinstance(rest, list):
        for child in rest:
            _walk(child, category, sort, leaves)
    else:
        leaves[code] = (category, dept)


def seed_categories() -> dict[str, tuple[Category, str]]:
    leaves: dict[str, tuple[Category, str]] = {}
    sort = [0]
    for node in TREE:
        _walk(node, None, sort, leaves)
    return leaves


def seed_catalogue(cast: Any) -> None:
    from .services import dispatch_rule_save

    for node in TREE:
        code, _zh, _en, _t, dept, children = node
        top = Category.objects.get(code=code)
        if not DispatchRule.objects.filter(category=top, area=None).exists():
            dispatch_rule_save(actor=None, category=top, lead=cast.orgs[dept])
        for child in children:
            ccode, _z, _e, _ct, cdept, grandchildren = child
            mid = Category.objects.get(code=ccode)
            if cdept != dept and not DispatchRule.objects.filter(category=mid, area=None).exists():
                dispatch_rule_save(actor=None, category=mid, lead=cast.orgs[cdept])
            for leaf in grandchildren:
                lcode, _lz, _le, _lt, ldept, _opts = leaf
                if (
                    ldept != cdept
                    and not DispatchRule.objects.filter(category__code=lcode, area=None).exists()
                ):
                    dispatch_rule_save(
                        actor=None, category=Category.objects.get(code=lcode), lead=cast.orgs[ldept]
                    )
    # Fallback owners: city management for the street, the committee above it.
    if not DispatchRule.objects.filter(category=None, area=None).exists():
        dispatch_rule_save(actor=None, lead=cast.orgs["committee"], note="Global fallback owner")
    if not DispatchRule.objects.filter(category=None, area=cast.street).exists():
        dispatch_rule_save(
            actor=None, area=cast.street, lead=cast.orgs["city-management"], note="Fallback owner"
        )
    # Joint handling: blocked fire exits are led by city management with housing assisting.
    fire = Category.objects.get(code="fire-exit")
    if not DispatchRule.objects.filter(category=fire, area=None).exists():
        dispatch_rule_save(
            actor=None,
            category=fire,
            lead=cast.orgs["city-management"],
            assisting=[cast.orgs["housing"]],
        )


def seed_calendar() -> WorkCalendar:
    cal, _ = WorkCalendar.objects.get_or_create(
        name="中国大陆工作日历 Mainland China",
        defaults={"time_zone": "Asia/Shanghai", "is_default": True},
    )
    for day, kind, name in HOLIDAYS_2026:
        Holiday.objects.update_or_create(
            calendar=cal,
            date=dt.date.fromisoformat(day),
            defaults={"kind": DayKind(kind), "name": name},
        )
    return cal


def seed_cases(cast: Any) -> None:
    from . import services

    if Case.objects.filter(attributes__demo=True).exists():
        return
    rng = random.Random(2026)
    people = [cast.resident, cast.resident2]
    for i in range(30):
        code, text, community, grid = DEMO_TEXTS[i % len(DEMO_TEXTS)]
        area = cast.grid(community, grid)
        lat = (area.centroid_lat or 31.23) + rng.uniform(-0.001, 0.001)
        lon = (area.centroid_lon or 121.47) + rng.uniform(-0.001, 0.001)
        reporter = people[i % 2]
        case = services.case_submit(
            actor=reporter,
            channel="web",
            category=Category.objects.get(code=code),
            description=text,
            lat=lat,
            lon=lon,
            address="",
            attributes=None,
            auto_dispatch=False,
        )
        Case.objects.filter(pk=case.pk).update(attributes={"demo": True})
        case.refresh_from_db()
        lead_staff = cast.clerk
        for step in DEMO_PATHS[i % len(DEMO_PATHS)]:
            case.refresh_from_db()
            if step == "dispatch":
                lead = cast.orgs["public-works"] if i % 3 else None
                services.case_dispatch(actor=cast.operator, case=case, lead=lead)
                case.refresh_from_db()
                lead_staff = (
                    cast.clerk
                    if case.lead_department and case.lead_department.code == "public-works"
                    else cast.clerk_b
                )
                if case.lead_department and case.lead_department.code not in (
                    "public-works",
                    "city-management",
                ):
                    break
            elif step == "accept":
                services.case_accept(actor=lead_staff, case=case)
            elif step == "start":
                services.case_start(actor=lead_staff, case=case)
            elif step == "note":
                services.case_note(
                    actor=lead_staff, case=case, text="已安排人员现场查看。", is_public=True
                )
            elif step == "request_info":
                services.case_request_info(
                    actor=lead_staff, case=case, question="请问具体是几号楼？"
                )
            elif step == "reply":
                services.case_reply(actor=lead_staff, case=case, text="已处理完毕，感谢您的反映。")
            elif step == "evaluate":
                services.case_evaluate(
                    actor=reporter, case=case, resolved=True, satisfaction=5, comment="很快，谢谢！"
                )
            elif step == "return":
                services.case_return(actor=lead_staff, case=case, reason="不属于本部门职责。")


@transaction.atomic
def seed(cast: Any) -> None:
    seed_calendar()
    seed_categories()
    seed_catalogue(cast)
    seed_cases(cast)
