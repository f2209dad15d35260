"""passes URLs."""

app_name = "passes"

urlpatterns: list = []
