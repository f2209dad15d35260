"""economy URLs."""

app_name = "economy"

urlpatterns: list = []
