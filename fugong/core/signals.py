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
# Sent by the inspections app inside the transaction that recorded an inspection's serious
# findings, with `user`, `enterprise`, `campaign`, `action` ("suspend", "revoke", or
# "reinstate" once a re-inspection passed), `reason` and `source` ("inspection:<id>"): the
# approvals app moves the enterprise's approved (or suspended) resumption and closed-loop
# qualifications of the campaign and tells the enterprise. Receivers return how many moved.
qualification_challenged = Signal()

# Sent by the projects app inside the transaction that recorded a problem raised against a key
# project, with `user`, `campaign`, `enterprise` (the investor), `text` and `source`
# ("project-problem:<id>"): the work-order app turns it into an order and returns it.
project_problem_raised = Signal()

# Sent by the work-order app inside the transaction that moved an order into a settled state
# (已办结 or 已关闭) or out of one (重新打开, 重办), with `order`, `source` (the order's source
# record, e.g. "project-problem:<id>"), `settled` (True when it now is resolved or closed),
# `user` and `comment`: the projects app marks the problem behind the order solved or open.
work_order_settled = Signal()
