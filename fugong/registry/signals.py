from django.dispatch import Signal

# Sent after enterprises were changed in bulk without Model.save() (the importer's
# bulk_update): `region_ids` are the leaf regions they were and are in.
enterprises_changed = Signal()

# Sent after list memberships were added in bulk without Model.save() (the importer's insert):
# `enterprise_ids` joined a list on `since`.
memberships_changed = Signal()

# Sent inside the transaction that saved a commissioner's visit which noted problems: the
# work-order app turns them into an order (channel "commissioner").
visit_logged = Signal()
