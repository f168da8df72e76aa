app_name = "chat_api"
urlpatterns: list = []
