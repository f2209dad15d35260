"""Enterprise URLs."""

app_name = "enterprises"

urlpatterns: list = []
