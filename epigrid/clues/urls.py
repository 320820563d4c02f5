app_name = "clues"
urlpatterns: list[object] = []
