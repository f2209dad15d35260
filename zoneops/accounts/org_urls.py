"""URLs of department, user and role management (being built)."""

urlpatterns: list = []
