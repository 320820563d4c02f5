"""Reads of form templates: built-in forms for everyone, a defined form in its region's tree."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from epigrid.core.models import User
from epigrid.deptforms.models import FormRevision, FormTemplate
from epigrid.regions.scope import scope_for


def _visible_q(user: User) -> Q:
    """Built-in forms, and forms defined for a region above, at or below one the user works in."""
    scope = scope_for(user)
    if scope.empty:
        return Q(region__isnull=True)
    above = {pk for root in scope.roots for pk in root.depth_ids}
    return Q(region__isnull=True) | Q(region_id__in=above) | scope.regions_q_for("region__")


def forms_for_user(*, user: User) -> QuerySet[FormTemplate]:
    """Return the forms the user may fill and export, built-in ones first."""
    return FormTemplate.objects.filter(_visible_q(user)).select_related("region", "created_by")


def form_get_for_user(*, user: User, name: str) -> FormTemplate:
    """Return one form by its code; 404 when it is missing or defined for another region's tree."""
    form = forms_for_user(user=user).filter(name=name).first()
    if form is None:
        raise Http404
    return form


def form_revisions(*, form: FormTemplate) -> list[FormRevision]:
    """Return a form's versions, newest first."""
    return list(form.revisions.select_related("created_by").order_by("-version"))
