"""Demo content: one topic per phase in the demo street, so every page looks alive."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from . import services
from .models import Topic, VoteKind
from .workflow import Phase

DEMO_REF = "demo"


def seed(cast: Any) -> None:
    """Idempotent: topics are recognised by their source reference."""
    if Topic.objects.filter(source_ref__startswith=DEMO_REF).exists():
        return
    committee, resident, resident2 = cast.users["committee"], cast.users["resident"], cast.users["resident2"]
    street = cast.street
    now = timezone.now()

    collect = services.topic_create(
        actor=committee, area=street, title="新河街道口袋公园怎么建？", source_ref=f"{DEMO_REF}:collect",
        summary="街道计划把河边一块闲置地改建为口袋公园。请提出你的设想：儿童游乐、健身器材、休息座椅还是社区花园？",
        collect_until=now + timedelta(days=20), deliberate_until=now + timedelta(days=35),
        vote_until=now + timedelta(days=45),
    )
    services.proposal_submit(actor=resident, topic=collect, title="增设儿童游乐区",
                             body="小区里孩子多，附近没有安全的游乐场地。建议设置软质地面的游乐区。")
    services.proposal_submit(actor=resident2, topic=collect, title="Benches and shade for older residents",
                             body="Many older neighbours walk along the river; a few benches under trees would help.")

    standing = services.proposal_submit(
        actor=resident, area=cast.community(1), title="柳岸社区增设电动自行车充电桩",
        body="楼道里充电有火灾隐患，建议在小区空地集中建设带计费的充电桩。",
    )
    services.proposal_support(actor=resident, proposal=standing)

    deliberate = services.topic_create(
        actor=committee, area=street, title="垃圾分类投放点是否延长开放时间", source="hotspot",
        source_ref=f"{DEMO_REF}:hotspot", phase=Phase.DELIBERATE,
        summary="近三个月关于垃圾投放点的投诉集中在晚间关闭后乱堆放。是否将开放时间延长到晚上十点？",
        deliberate_until=now + timedelta(days=10), vote_until=now + timedelta(days=20),
    )
    pro = services.argument_add(actor=resident, topic=deliberate, stance="for",
                                body="下班回家已经八点多，延长时间能减少乱堆放。")
    services.argument_add(actor=resident2, topic=deliberate, stance="against",
                          body="Longer hours mean more noise for the flats next to the bins.")
    services.argument_add(actor=resident2, topic=deliberate, parent=pro, body="Maybe 9 pm is a compromise?")
    services.vote_configure(actor=committee, topic=deliberate, question="投放点开放到几点？", kind=VoteKind.SINGLE,
                            options=["晚上八点（不变）", "晚上九点", "晚上十点"], quorum=2)

    voting = services.topic_create(
        actor=committee, area=street, title="社区活动中心周末开放方案", source="theme",
        source_ref=f"{DEMO_REF}:theme", phase=Phase.DELIBERATE,
        summary="每月一题：活动中心周末如何安排？请按偏好排序。", vote_until=now + timedelta(days=7),
    )
    services.vote_configure(actor=committee, topic=voting, question="请按偏好为方案排序", kind=VoteKind.RANKED,
                            options=["周末全天开放", "仅周六开放", "周末下午开放", "维持现状"],
                            hide_results_until_closed=True)
    services.topic_advance_phase(actor=committee, topic=voting)
    options = list(voting.vote.options.values_list("pk", flat=True))
    services.ballot_cast(actor=resident, topic=voting, choices=[options[0], options[2]])

    result = services.topic_create(
        actor=committee, area=street, title="是否在新河路增设人行横道", source_ref=f"{DEMO_REF}:result",
        phase=Phase.DELIBERATE, summary="居民反映新河路学校门口过马路不安全。",
    )
    services.vote_configure(actor=committee, topic=result, question="是否增设人行横道和信号灯？",
                            kind=VoteKind.YES_NO, options=[], hide_results_until_closed=False)
    services.topic_advance_phase(actor=committee, topic=result)
    yes, _no, _abstain = list(result.vote.options.values_list("pk", flat=True))
    services.ballot_cast(actor=resident, topic=result, choices=[yes])
    services.ballot_cast(actor=resident2, topic=result, choices=[yes])
    services.topic_advance_phase(actor=committee, topic=result)
    services.topic_decide(actor=committee, topic=result, decision="增设人行横道和按钮式信号灯。",
                          rationale="投票一致赞成；交通部门确认技术可行；学校上下学时段风险最高。")

    impl = services.topic_create(
        actor=committee, area=street, title="老旧小区加装电梯试点", source_ref=f"{DEMO_REF}:implementation",
        phase=Phase.RESULT, summary="议事会同意在两栋楼试点加装电梯。",
    )
    services.topic_decide(actor=committee, topic=impl, decision="在3号楼和5号楼试点加装电梯。",
                          rationale="两栋楼居民同意率超过三分之二；资金由补贴和居民分担。")
    services.topic_advance_phase(actor=committee, topic=impl)
    m1 = services.milestone_add(actor=committee, topic=impl, title="设计方案公示",
                                due_date=(now - timedelta(days=10)).date())
    services.milestone_update(actor=committee, milestone=m1, progress=100)
    m2 = services.milestone_add(actor=committee, topic=impl, title="施工", due_date=(now + timedelta(days=60)).date(),
                                case_number="2026-000123")
    services.milestone_update(actor=committee, milestone=m2, progress=40, note="3号楼井道已完成")
    services.milestone_add(actor=committee, topic=impl, title="验收并投入使用",
                           due_date=(now + timedelta(days=90)).date())

    meeting = services.meeting_record(
        actor=committee, area=street, topic=impl, title="新河街道第三季度居民议事会", held_at=now - timedelta(days=30),
        place="新河街道社区服务中心", agenda="1. 加装电梯试点\n2. 口袋公园选址", attendance=23,
        minutes="与会居民代表讨论了加装电梯的资金分担方案。",
    )
    services.motion_add(actor=committee, meeting=meeting, text="同意在3号楼和5号楼试点加装电梯", votes_yes=19,
                        votes_no=2, votes_abstain=2)
    services.meeting_publish(actor=committee, meeting=meeting)
