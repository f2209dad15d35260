"""servicedesk URLs."""

app_name = "servicedesk"

urlpatterns: list = []
