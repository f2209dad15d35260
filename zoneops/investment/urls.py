"""investment URLs."""

app_name = "investment"

urlpatterns: list = []
