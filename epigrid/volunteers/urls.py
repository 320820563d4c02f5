app_name = "volunteers"
urlpatterns: list[object] = []
