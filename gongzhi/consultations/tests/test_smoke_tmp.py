import pytest
from conftest import PERSONAS

@pytest.mark.django_db
def test_smoke(cast, login):
    from gongzhi.consultations.demo import seed
    from gongzhi.consultations.models import Topic, Proposal, Meeting, ModerationAction
    seed(cast); seed(cast)
    urls = ["/consultations/", "/consultations/proposals/", "/consultations/proposals/?sort=random&seed=3", "/consultations/meetings/", "/consultations/moderation/"]
    for t in Topic.objects.all():
        urls += [f"/consultations/topics/{t.pk}/", f"/consultations/topics/{t.pk}/results/", f"/consultations/topics/{t.pk}/implementation/"]
        if hasattr(t, "vote"):
            urls += [f"/consultations/topics/{t.pk}/vote/", f"/consultations/topics/{t.pk}/vote/receipt/", f"/consultations/topics/{t.pk}/results.json"]
    for p in Proposal.objects.all(): urls.append(f"/consultations/proposals/{p.pk}/")
    for m in Meeting.objects.all(): urls.append(f"/consultations/meetings/{m.pk}/")
    for name in ["visitor", "resident", "committee"]:
        c = login(cast, name)
        for u in urls + (["/consultations/topics/new/", "/consultations/meetings/new/", "/consultations/proposals/new/"] if name != "visitor" else []):
            r = c.get(u)
            assert r.status_code in (200, 404), (name, u, r.status_code)
            print(name, u, r.status_code)
