"""Application use-cases. Each is one transaction; each decision is guarded by the
application's version (of two reviewers acting at once one wins, the other gets Conflict),
recorded in the timeline (core.Step) and the audit log, and announced to the applicant.

One module per use-case family; everything is re-exported here, so callers keep
importing from the package."""

# ruff: noqa: F401

import io
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from fugong.core.codes import check_code, new_code
from fugong.core.excel import write_xlsx
from fugong.core.models import SEVEN_MUSTS, Region, Unit
from fugong.core.pdf import FONT, draw_qr
from fugong.core.permissions import person
from fugong.core.services import (
    Workflow,
    absolute_url,
    announce,
    announce_to_units,
    as_date,
    audit,
    campaign_for,
    record_step,
    units_above,
    working_deadline,
)
from fugong.core.uploads import attach, check_uploads
from fugong.core.validators import normalize_phone
from fugong.registry.models import Enterprise, enterprise_id_of

from ..models import Application
from .applicant import _applicant_may, resubmit, submit, withdraw
from .base import (
    CODE_KIND,
    DEFAULT_REVIEW_HOURS,
    DEFAULT_STEPS,
    MIN_CLOSED_LOOP_DAYS,
    Kind,
    State,
    _due,
    steps_of,
)
from .flow import FLOW
from .queues import (
    ApplicationFilter,
    applications_for,
    certificate_pdf,
    closed_loop_by_region,
    counts,
    export_applications,
    verify_certificate,
)
from .reviewers import (
    REVIEW_ACTIONS,
    _tell_applicant,
    _tell_reviewers,
    allowed_actions,
    current_step,
    may_review,
    next_actor,
    review,
)
from .validation import (
    CLOSED_LOOP_FIELDS,
    RESUMPTION_FIELDS,
    checklist_of,
    clean_checklist,
    clean_data,
)
