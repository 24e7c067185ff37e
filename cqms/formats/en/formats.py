# English dates as ISO 8601 (2026-12-08): unambiguous for Chinese and foreign readers alike, and
# the same order as the Chinese format. Anything not set here falls back to Django's English.
DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
MONTH_DAY_FORMAT = "m-d"
YEAR_MONTH_FORMAT = "Y-m"
