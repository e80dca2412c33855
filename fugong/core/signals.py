"""Signals that let sibling domain apps meet without importing each other: the sender and the
receiver both import only this lower layer."""

from django.dispatch import Signal

# Sent by the reporting app inside the transaction that saved a daily report (new or a new
# version), with `user`, `campaign`, `enterprise`, `day`, `report` and `values` (the validated
# fields): the work-order app turns its difficulties and needs into an order (channel "report").
report_submitted = Signal()
