app_name = "followups"
urlpatterns: list[object] = []
