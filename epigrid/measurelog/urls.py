app_name = "measurelog"
urlpatterns: list[object] = []
