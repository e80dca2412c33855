"""Signals that let sibling domain apps meet without importing each other: the sender and the
receiver both import only this lower layer."""

from django.dispatch import Signal

# Sent by the reporting app inside the transaction that saved a daily report (new or a new
# version), with `user`, `campaign`, `enterprise`, `day`, `report` and `values` (the validated
# fields): the work-order app turns its difficulties and needs into an order (channel "report").
report_submitted = Signal()

# Sent by the consultations app inside the transaction that logged a call on a consultation
# line (代帮办) that needs action, with `user` (who took the call), `enterprise`, `text` (the
# question and what is to be done) and `source` ("call:<id>"): the work-order app turns it into
# an order (channel "hotline") and returns it, so the call keeps the order's id.
consultation_needs_action = Signal()
