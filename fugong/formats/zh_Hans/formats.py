"""zh-Hans: ISO first (the value of every date input), the Chinese forms still parsed."""

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
]

# Display: what the templates name (`|date:"MONTH_DAY_FORMAT"` …) so each language has its own
# convention. Django's zh-Hans month-day is "m月j日" (09月5日); Chinese writes 9月5日. The short
# date-time is the month-day form with the time (within the campaign's year).
DATE_FORMAT = "Y年n月j日"
DATETIME_FORMAT = "Y年n月j日 H:i"
MONTH_DAY_FORMAT = "n月j日"
SHORT_DATETIME_FORMAT = "n月j日 H:i"
