"""Locale format overrides (settings.FORMAT_MODULE_PATH). Date inputs are `<input type=date>`,
whose value must be ISO (`2026-12-02`): Django's zh-Hans formats put `%Y/%m/%d` first, which a
date input cannot show, so every pre-filled date looked empty and failed the first submit. The
other input formats are still accepted. Templates name their display formats
(`|date:"MONTH_DAY_FORMAT"`; `SHORT_DATETIME_FORMAT` is the month-day with the time;
`DATE_FORMAT`, `DATETIME_FORMAT`) and each language defines them here."""
