app_name = "callbacks"
urlpatterns: list = []
