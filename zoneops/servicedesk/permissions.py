"""Permission codes of the service desk."""

VIEW_CASE = "servicedesk.view_case"
INTAKE_CASE = "servicedesk.intake_case"
DISPATCH_CASE = "servicedesk.dispatch_case"
HANDLE_TASK = "servicedesk.handle_task"
ARBITRATE_CASE = "servicedesk.arbitrate_case"
FOLLOW_UP_CASE = "servicedesk.follow_up_case"
SUPERVISE_CASE = "servicedesk.supervise_case"
VIEW_KPI = "servicedesk.view_kpi"
CHANGE_CALENDAR = "servicedesk.change_workcalendaroverride"
# The service catalogue is configuration, like the calendar: each screen uses its model's change permission
# (the desk role holds them), so no migration is needed while the models change elsewhere.
MANAGE_CATALOGUE = "servicedesk.change_category"
MANAGE_SLA = "servicedesk.change_slarule"
MANAGE_HOTLINES = "servicedesk.change_hotlinecategory"
VIEW_PERSONAL_DATA = "accounts.view_personal_data"
