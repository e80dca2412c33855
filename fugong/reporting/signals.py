from django.dispatch import Signal

# Sent inside the transaction that saved a daily report (new or a new version), with
# `user`, `campaign`, `enterprise`, `day`, `report` and `values` (the validated fields): the
# work-order app turns its difficulties and needs into an order (channel "report").
report_submitted = Signal()
