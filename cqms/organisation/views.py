from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from cqms.core import search
from cqms.core.errors import BusinessRuleError

from . import services
from .forms import DelegationForm, LoginForm, ProfileForm
from .models import Delegation, Department, User
from .widgets import user_label


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        # The account's language wins over the browser's from now on.
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            form.get_user().language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=settings.PRODUCTION,
        )
        return response


def profile(request):
    user = request.user
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and "save_profile" in request.POST and form.is_valid():
        try:
            services.update_profile(
                user, {name: form.cleaned_data[name] for name in form.changed_data}, actor=user
            )
        except BusinessRuleError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your profile was saved."))
            response = redirect("organisation:profile")
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax")
            return response
    token = Token.objects.filter(user=user).first()
    return render(
        request,
        "organisation/profile.html",
        {"form": form, "token": token, "roles": user.roles.filter(is_active=True)},
    )


@require_POST
def api_token(request):
    """Create or replace the user's API token; it is shown once, right after creation."""
    Token.objects.filter(user=request.user).delete()
    token = Token.objects.create(user=request.user)
    messages.success(
        request,
        _("Your new API token is %(key)s. Copy it now: it will not be shown again.")
        % {"key": token.key},
    )
    return redirect("organisation:profile")


def delegations(request):
    form = DelegationForm(request.POST or None, delegator=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.delegate_work(delegator=request.user, actor=request.user, **form.cleaned_data)
        except BusinessRuleError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your work is delegated for the period you chose."))
            return redirect("organisation:delegations")
    given = Delegation.objects.filter(delegator=request.user).select_related("delegate")
    received = Delegation.objects.filter(delegate=request.user).select_related("delegator")
    return render(
        request,
        "organisation/delegations.html",
        {"form": form, "given": given[:50], "received": received[:50]},
    )


@require_POST
def revoke_delegation(request, pk: int):
    delegation = get_object_or_404(Delegation, pk=pk, delegator=request.user)
    try:
        services.revoke_delegation(delegation, actor=request.user)
    except BusinessRuleError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The delegation was revoked."))
    return redirect("organisation:delegations")


def user_search(request):
    """Active users matching a name (whole, in pinyin or by initials: 李静, lijing, lj), user
    name, e-mail or department, for the user pickers."""
    text = request.GET.get("q", "").strip()[:100]
    users = User.objects.filter(is_active=True).select_related("department")
    if text:
        found = (
            Q(username__icontains=text)
            | Q(first_name__icontains=text)
            | Q(last_name__icontains=text)
            | Q(email__icontains=text)
            | Q(department__name__icontains=text)
        )
        key = search.query_key(text)
        users = users.filter(found | Q(search_key__contains=key) if key else found)
    results = [{"value": u.pk, "text": user_label(u)} for u in users.order_by("username")[:20]]
    return JsonResponse({"results": results})


def organisation_chart(request):
    departments = (
        Department.objects.with_tree_fields()
        .filter(is_active=True)
        .select_related("head")
        .prefetch_related("members")
    )
    return render(request, "organisation/chart.html", {"departments": departments})
