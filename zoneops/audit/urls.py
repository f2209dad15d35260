"""Audit URLs."""

app_name = "audit"

urlpatterns: list = []
