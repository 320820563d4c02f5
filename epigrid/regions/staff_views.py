"""Accounts of the people who work in the regions: list, create, edit, reset a password."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from epigrid.core.access import ScopedRequest, requires, scoped
from epigrid.core.roles import Role
from epigrid.regions import selectors
from epigrid.regions.forms import PasswordResetForm, StaffForm
from epigrid.regions.services import StaffError, staff_create, staff_set_password, staff_update


@scoped
@requires("manage_staff")
def staff_list(request: ScopedRequest) -> HttpResponse:
    """List the accounts the user manages, by role and name."""
    query = request.GET.get("q", "").strip()[:50]
    role = request.GET.get("role", "")
    staff = selectors.staff_for_user(user=request.user, query=query, role=role)
    page = Paginator(staff, 50).get_page(request.GET.get("page"))
    roles = [(value, label) for value, label in Role.choices if value in request.user.caps.grants]
    return render(
        request, "regions/staff_list.html", {"page": page, "q": query, "role": role, "roles": roles}
    )


@scoped
@requires("manage_staff")
def staff_new(request: ScopedRequest) -> HttpResponse:
    """Create an account with a role and its regions."""
    form = StaffForm(request.POST or None, grants=request.user.caps.grants, editing=False)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = staff_create(
                actor=request.user, username=data["username"], password=data["password"], **form.account()
            )
        except StaffError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("账号 %(name)s 已创建。") % {"name": created.username})
            return redirect("staff:detail", created.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "regions/staff_form.html", {"form": form, "editing": None}, status=status)


@scoped
@requires("manage_staff")
def staff_detail(request: ScopedRequest, staff_id: int) -> HttpResponse:
    """Edit an account's role, regions and contact details, or set a new password."""
    account = selectors.staff_get_for_user(user=request.user, staff_id=staff_id)
    codes = ", ".join(a.region.code for a in account.assignments.all())
    initial = {
        "display_name": account.display_name,
        "role": account.role,
        "region_codes": codes,
        "phone": account.phone,
        "organisation": account.organisation,
        "is_active": account.is_active,
    }
    grants = request.user.caps.grants
    form = StaffForm(initial=initial, grants=grants, editing=True)
    password_form = PasswordResetForm()
    status = 200
    if request.method == "POST" and request.POST.get("action") == "password":
        password_form = PasswordResetForm(request.POST)
        if password_form.is_valid():
            staff_set_password(
                actor=request.user, user=account, password=password_form.cleaned_data["password"]
            )
            messages.success(request, _("密码已重置。"))
            return redirect("staff:detail", account.pk)
        status = 400
    elif request.method == "POST":
        form = StaffForm(request.POST, grants=grants, editing=True)
        if form.is_valid():
            try:
                staff_update(
                    actor=request.user,
                    user=account,
                    is_active=form.cleaned_data["is_active"],
                    **form.account(),
                )
            except StaffError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("已保存。"))
                return redirect("staff:detail", account.pk)
        status = 400
    context = {"form": form, "password_form": password_form, "editing": account}
    return render(request, "regions/staff_form.html", context, status=status)
