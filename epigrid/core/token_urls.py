"""我的 API 令牌 (``/accounts/tokens/``): the pages of ``epigrid.core.token_views``."""

from django.urls import path

from epigrid.core import token_views

app_name = "tokens"
urlpatterns = [
    path("", token_views.token_list, name="list"),
    path("<int:token_id>/revoke/", token_views.token_revoke, name="revoke"),
]
