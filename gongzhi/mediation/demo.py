"""Demo content: the legal-basis library, the supervisor designation, a legal-aid staff
member and two mediation cases (idempotent)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from gongzhi.organizations.models import Membership, Role
from gongzhi.organizations.services import membership_create

from . import services
from .models import LegalBasisKind, MediationCase, MediationSupervisor, PartyRole

# Titles and article numbers of real Chinese law; the summaries are short paraphrases
# for orientation (the official text prevails), in Chinese and English.
LEGAL_BASES: list[dict[str, str]] = [
    {
        "code": "people-mediation-law-art-15", "kind": LegalBasisKind.LAW,
        "title_zh": "中华人民共和国人民调解法", "title_en": "People's Mediation Law of the PRC", "article": "第十五条",
        "text_zh": "调解员偏袒一方、侮辱当事人、索取或收受财物、泄露当事人个人隐私或商业秘密的，由人民调解委员会批评教育、责令改正，情节严重的予以罢免或解聘。",
        "text_en": "A mediator who takes sides, insults a party, seeks or takes gifts, or discloses a party's privacy or business secrets is corrected, and in serious cases removed.",
    },
    {
        "code": "people-mediation-law-art-17", "kind": LegalBasisKind.LAW,
        "title_zh": "中华人民共和国人民调解法", "title_en": "People's Mediation Law of the PRC", "article": "第十七条",
        "text_zh": "当事人可以向人民调解委员会申请调解；人民调解委员会也可以主动调解。一方当事人明确拒绝的，不得调解。",
        "text_en": "Parties may apply to a people's mediation committee, which may also offer mediation itself; if a party expressly refuses, there is no mediation.",
    },
    {
        "code": "people-mediation-law-art-23", "kind": LegalBasisKind.LAW,
        "title_zh": "中华人民共和国人民调解法", "title_en": "People's Mediation Law of the PRC", "article": "第二十三条",
        "text_zh": "当事人在调解中有权选择或接受调解员，接受、拒绝或要求终止调解，要求公开或不公开调解，自主表达意愿、自愿达成协议。",
        "text_en": "In mediation the parties may choose or accept the mediator, accept, refuse or end the mediation, ask for it to be held in private, and speak and agree freely.",
    },
    {
        "code": "people-mediation-law-art-26", "kind": LegalBasisKind.LAW,
        "title_zh": "中华人民共和国人民调解法", "title_en": "People's Mediation Law of the PRC", "article": "第二十六条",
        "text_zh": "调解不成的，应当终止调解，并告知当事人可以依法通过仲裁、行政、司法等途径维护自己的权利。",
        "text_en": "When mediation fails it ends, and the parties are told they may protect their rights through arbitration, administrative or judicial channels.",
    },
    {
        "code": "people-mediation-law-art-29", "kind": LegalBasisKind.LAW,
        "title_zh": "中华人民共和国人民调解法", "title_en": "People's Mediation Law of the PRC", "article": "第二十九条",
        "text_zh": "调解协议书载明当事人基本情况、纠纷主要事实和争议事项、达成协议的内容及履行方式和期限，经各方当事人签名盖章、调解员签名并加盖调解委员会印章后生效。",
        "text_en": "A written agreement names the parties, the facts and points in dispute, what was agreed and how and by when it is performed; it takes effect when signed by every party and the mediator and sealed by the committee.",
    },
    {
        "code": "people-mediation-law-art-33", "kind": LegalBasisKind.LAW,
        "title_zh": "中华人民共和国人民调解法", "title_en": "People's Mediation Law of the PRC", "article": "第三十三条",
        "text_zh": "达成调解协议后，双方当事人认为有必要的，可以自协议生效之日起三十日内共同向人民法院申请司法确认。",
        "text_en": "After an agreement, the parties may jointly apply to the people's court for judicial confirmation within 30 days from when it takes effect.",
    },
    {
        "code": "civil-code-art-288", "kind": LegalBasisKind.LAW,
        "title_zh": "中华人民共和国民法典", "title_en": "Civil Code of the PRC", "article": "第二百八十八条",
        "text_zh": "不动产的相邻权利人应当按照有利生产、方便生活、团结互助、公平合理的原则，正确处理相邻关系。",
        "text_en": "Neighbouring holders of immovable property handle their relations so as to favour production, ease daily life, and stay united, mutually helpful, fair and reasonable.",
    },
    {
        "code": "civil-code-art-294", "kind": LegalBasisKind.LAW,
        "title_zh": "中华人民共和国民法典", "title_en": "Civil Code of the PRC", "article": "第二百九十四条",
        "text_zh": "不动产权利人不得违反国家规定弃置固体废物，排放大气、水、土壤污染物或者噪声、光、电磁辐射等有害物质。",
        "text_en": "Holders of immovable property may not, against state rules, dump solid waste or emit pollutants, noise, light or electromagnetic radiation onto neighbours.",
    },
    {
        "code": "civil-code-art-296", "kind": LegalBasisKind.LAW,
        "title_zh": "中华人民共和国民法典", "title_en": "Civil Code of the PRC", "article": "第二百九十六条",
        "text_zh": "因用水、排水、通行、铺设管线等利用相邻不动产的，应当尽量避免对相邻的不动产权利人造成损害。",
        "text_en": "Whoever uses a neighbour's property for water, drainage, passage or pipes must avoid harming the neighbour as far as possible.",
    },
    {
        "code": "petition-work-regulations", "kind": LegalBasisKind.REGULATION,
        "title_zh": "信访工作条例", "title_en": "Regulations on Petition (Xinfang) Work", "article": "",
        "text_zh": "规定群众来信来访的受理、交办、办理和答复，要求有权处理的机关依法按时办理并书面答复。",
        "text_en": "Govern how letters and visits from the public are received, assigned, handled and answered, in writing and within set time limits.",
    },
    {
        "code": "city-appearance-regulations-art-14", "kind": LegalBasisKind.REGULATION,
        "title_zh": "城市市容和环境卫生管理条例", "title_en": "Regulations on City Appearance and Environmental Sanitation",
        "article": "第十四条",
        "text_zh": "任何单位和个人不得在街道两侧和公共场地堆放物料、搭建建筑物或其他设施；确需临时堆放或搭建的，须经批准。",
        "text_en": "No one may pile materials or put up structures beside streets or in public places; temporary use needs approval.",
    },
]


def _legal_aid_staff(cast: Any) -> Any:
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username="legalaid",
        defaults={"email": "legalaid@demo.gongzhi.invalid", "display_name": "法律援助中心 何律师"},
    )
    if created:
        from gongzhi.core.demo import DEMO_PASSWORD

        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    if not Membership.objects.filter(user=user, organisation=cast.orgs["legal-aid"], role=Role.STAFF, is_active=True).exists():
        membership_create(actor=None, organisation=cast.orgs["legal-aid"], user=user, role=Role.STAFF)
    cast.users["legalaid"] = user
    return user


def seed(cast: Any) -> None:
    for entry in LEGAL_BASES:
        services.legal_basis_save(actor=None, **entry)
    _legal_aid_staff(cast)
    if not MediationSupervisor.objects.filter(area=cast.street, user=cast.committee, is_active=True).exists():
        services.supervisor_designate(actor=None, area=cast.street, user=cast.committee)
    if MediationCase.objects.exists():
        return
    case = services.mediation_apply(
        actor=cast.resident, dispute_type="noise", area=cast.community(1),
        description="楼上住户夜间经常拖动家具、孩子跑跳，影响休息，多次沟通未果。",
        respondent=services.PartyData(PartyRole.RESPONDENT, cast.resident2.public_name, user=cast.resident2),
    )
    services.mediator_assign(actor=cast.committee, case=case, mediator=cast.mediator)
    services.assignment_declare(actor=cast.mediator, case=case, conflict=False)
    party = case.parties.get(role=PartyRole.RESPONDENT)
    services.party_respond(actor=cast.resident2, party=party, consent=True)
    services.mediation_accept(actor=cast.mediator, case=case)
    services.mediation_apply(
        actor=cast.resident2, dispute_type="parking", area=cast.community(2),
        description="Someone charges an e-bike in the stairwell every night and blocks the passage.",
        respondent=services.PartyData(PartyRole.RESPONDENT, "张先生", address="桥东社区3号楼"),
    )
