"""Log-in, log-out, home, health probe and the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from epigrid.core.access import ScopedRequest, public, requires, scoped
from epigrid.core.audit import client_ip
from epigrid.core.forms import LockoutAuthenticationForm
from epigrid.core.models import AuditEvent, User
from epigrid.core.roles import Role
from epigrid.core.services import login_success_record, password_changed_record
from epigrid.regions.scope import scope_for


class LoginView(auth_views.LoginView):
    form_class = LockoutAuthenticationForm
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        if isinstance(user, User):
            login_success_record(user=user, ip=client_ip(self.request))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "core/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("密码已修改。"))
        if isinstance(self.request.user, User):
            password_changed_record(user=self.request.user)
        return response


login_view = public(LoginView.as_view())
password_change_view = scoped(PasswordChangeView.as_view())
logout_view = public(auth_views.LogoutView.as_view())


@scoped
def home(request: ScopedRequest) -> HttpResponse:
    """Send the user to their region; someone with several regions picks one."""
    if request.user.role == Role.CLINIC:  # a fever clinic works on its register, not the region tree
        return HttpResponseRedirect(reverse("triage:list"))
    if request.user.role == Role.POLICE:  # a police station works on the clues of its area
        return HttpResponseRedirect(reverse("clues:list"))
    roots = scope_for(request.user).roots
    if len(roots) == 1:
        return HttpResponseRedirect(reverse("regions:detail", args=[roots[0].pk]))
    return render(request, "core/home.html", {"roots": roots})


@public
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Answer whether the database is reachable (for a load balancer or a watchdog)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})


@scoped
@requires("read_audit")
def audit_list(request: ScopedRequest) -> HttpResponse:
    """List audit events inside the user's subtrees (and the system-wide ones for its roots)."""
    scope = scope_for(request.user)
    events = AuditEvent.objects.select_related("user").order_by("-at", "-id")
    if not scope.roots:
        events = events.none()
    else:
        # Events without a region (log-ins, imports) are shown to whoever may read the audit log.
        from django.db.models import Q

        from epigrid.regions.scope import subtree_q

        q = Q(region_path="")
        for root in scope.roots:
            q |= subtree_q(root.path, field="region_path")
        events = events.filter(q)
    action = request.GET.get("action", "")
    if action in AuditEvent.Action.values:
        events = events.filter(action=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/audit_list.html",
        {"page": page, "actions": AuditEvent.Action.choices, "action": action},
    )


@public
def root(request: HttpRequest) -> HttpResponse:
    return redirect("home" if request.user.is_authenticated else "login")
