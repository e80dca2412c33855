"""en: ISO first, as for zh-Hans (the value of every date input)."""

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]

# Display: the same named formats as zh-Hans, in English conventions, 24-hour time as on the
# Chinese pages ("Dec. 2, 2026", "Dec. 2, 2026 08:30", "Dec 2", "Dec 2, 08:30").
DATE_FORMAT = "N j, Y"
DATETIME_FORMAT = "N j, Y H:i"
MONTH_DAY_FORMAT = "M j"
SHORT_DATETIME_FORMAT = "M j, H:i"
