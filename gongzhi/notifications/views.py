from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import PreferencesForm
from .models import Notification, NotificationPreference, NotificationSettings
from .services import known_kinds, notification_mark_read, preferences_save


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    qs = Notification.objects.filter(recipient_id=request.user.pk).order_by("-created_at", "-id")
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    notification_mark_read(actor=request.user, notification_ids=ids or None)
    return redirect("notifications:inbox")


def _kind_label(kind: str) -> str:
    """A readable label: the kind's subject template rendered with empty values."""
    label = render_to_string(
        f"notifications/kinds/{kind}.subject.txt", {"number": "…", "what": "…", "master": "…"}
    )
    return " ".join(label.split()) or kind


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert user.pk is not None  # login_required
    stored = dict(
        NotificationPreference.objects.filter(user_id=user.pk).values_list("kind", "delivery")
    )
    digest = NotificationSettings.objects.filter(user_id=user.pk, daily_digest=True).exists()
    kinds = [(k, _kind_label(k)) for k in known_kinds()]
    form = PreferencesForm(
        request.POST or None,
        kinds=kinds,
        initial_deliveries=stored,
        initial={"daily_digest": digest},
    )
    if request.method == "POST" and form.is_valid():
        preferences_save(
            actor=user, deliveries=form.deliveries(), daily_digest=form.cleaned_data["daily_digest"]
        )
        messages.success(request, _("Your notification preferences were saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
