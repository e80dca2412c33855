"""Health use-cases. Who sees what: an enterprise's own accounts see its people (its health
officer unmasked, every unmasked view or export audited; the contact masked); government users
see counts, never a named record, unless a health officer grants an investigation export. Each
call is one transaction.

One module per use-case family; everything is re-exported here, so callers keep
importing from the package."""

# ruff: noqa: F401

import datetime
from decimal import Decimal, InvalidOperation

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core import crypto
from fugong.core.codes import check_code, new_code
from fugong.core.excel import write_xlsx
from fugong.core.models import Campaign, Role, User
from fugong.core.permissions import SYSTEM, person
from fugong.core.services import announce, as_date, audit, campaign_for, record_step
from fugong.core.validators import normalize_id_card, normalize_mobile
from fugong.registry.models import (
    Enterprise,
    enterprise_id_of,
    own_enterprise,
)

from ..models import (
    SYMPTOMS,
    Declaration,
    Employee,
    EnterpriseHealth,
    GateCheck,
    InvestigationGrant,
    RoundEnterprise,
    TestResult,
    TestRound,
)
from .access import (
    CODE_KIND,
    DEFAULT_RETENTION,
    DEFAULT_THRESHOLD,
    GATE_SALT,
    HIGHEST,
    LOWEST,
    _campaign,
    audit_unmasked,
    declarations_of,
    gate_checks_of,
    may_unmask,
    retention,
    roster_of,
    threshold,
    with_employees,
)
from .declarations import (
    _temperature,
    declaration_code,
    declare,
    employee_by_gate_code,
    enterprise_by_code,
    gate_code,
    judge,
)
from .exports import export_roster
from .figures import counts
from .gate import BatchRejected, _fields, _may_guard, check, passage, readmit
from .gate_batch import GateBatch, ingest_gate_batch
from .grants import grant_investigation, investigation_export
from .links import (
    SMS_TEMPLATE,
    declare_by_link,
    employee_by_link,
    issue_link,
    revoke_link,
    send_link_sms,
    sms_available,
    token_hash,
)
from .maintenance import PARTITIONED, _partitions, ensure_partitions, purge, rotate_keys
from .roster import _require_officer, clean_person, fill_employee, save_employee
from .rounds import _may_organise, _pct, latest_round, open_round, record_sampling, round_coverage
