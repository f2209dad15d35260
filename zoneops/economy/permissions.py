"""Permission codes of the economy app (Django defaults plus publish_period and manage_indicator)."""

VIEW_VALUE = "economy.view_value"
ADD_VALUE = "economy.add_value"
CHANGE_VALUE = "economy.change_value"
PUBLISH_PERIOD = "economy.publish_period"
MANAGE_INDICATOR = "economy.manage_indicator"
