"""Menu entries of the system-management module (departments, users, roles, security)."""

from django.utils.translation import gettext_lazy as _

from zoneops.core.menu import MenuItem, register, register_group

register_group("system", _("System management"), icon="bi-gear", order=900)
register(
    "system",
    MenuItem(_("Departments"), "accounts:department-list", ("accounts.manage_department",), "bi-diagram-3", 10),
)
register("system", MenuItem(_("Users"), "accounts:user-list", ("accounts.manage_user",), "bi-people", 20))
register("system", MenuItem(_("Roles"), "accounts:role-list", ("accounts.manage_role",), "bi-shield-lock", 30))
register(
    "system", MenuItem(_("Online sessions"), "accounts:session-list", ("accounts.manage_sessions",), "bi-broadcast", 40)
)
register("system", MenuItem(_("Login log"), "accounts:login-log", ("accounts.view_login_log",), "bi-journal-text", 50))
register("system", MenuItem(_("API tokens"), "accounts:token-list", (), "bi-key", 60))
