"""Deny by default: a view that declares neither @public nor @scoped is refused before it runs."""

from __future__ import annotations

from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path

from epigrid.core.middleware import UNDECLARED_MESSAGE
from epigrid.urls import urlpatterns

ran: list[bool] = []


def undeclared(request):
    ran.append(True)
    return HttpResponse("secret")


urlpatterns = [*urlpatterns, path("undeclared/", undeclared)]


@override_settings(ROOT_URLCONF=__name__)
def test_undeclared_view_is_refused(db, admin_user):
    client = Client()
    client.force_login(admin_user)
    response = client.get("/undeclared/")
    assert response.status_code == 403
    assert response.content.decode() == UNDECLARED_MESSAGE
    assert ran == []
