"""The one permission vocabulary.

Who may do what is asked of the user through predicates on `User` named for what they allow
(`manages_registry`, `is_government`, `sees_figures`, `reviews(step)`, `issues_passes` …); the
role groups behind them live beside the `User` model and nowhere else. What a user may *see* is
the data scope: `Model.objects.visible_to(user)`, which a detail view reaches through the
`scoped` decorator (404 outside the scope).

"The system acting" (the command line, a periodic job, a signal receiver) is the explicit
`SYSTEM` actor, never `None`: it has every right and no account; audit entries name it
"system", and who-fields (`created_by`, `user` of a timeline step) store no user for it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import QuerySet
from django.http import Http404

from .models import (  # noqa: F401  (the role groups, re-exported for readers of this module)
    COORDINATING_ROLES,
    ENTERPRISE_ROLES,
    REGION_SCOPED_ROLES,
    UNIT_ROLES,
    Role,
    User,
)

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse


class SystemActor:
    """The system acting: every right of an administrator, no account and no unit."""

    pk = id = None
    unit = unit_id = None
    role = Role.ADMIN
    username = name = "system"
    is_system = True
    is_superuser = is_staff = True
    is_active = is_authenticated = True
    is_anonymous = False

    def get_username(self) -> str:
        return "system"

    def __str__(self) -> str:
        return "system"

    def __repr__(self) -> str:
        return "SYSTEM"


# the same predicates as a user's, answered for the system (they read only role and unit)
for _name, _value in vars(User).items():
    if isinstance(_value, property) and _name not in vars(SystemActor):
        setattr(SystemActor, _name, _value)
SystemActor.reviews = User.reviews
SystemActor.coordinates = User.coordinates

SYSTEM = SystemActor()

# who acts in a service call: a user with an account, or the system
Actor = User | SystemActor


def commissioners() -> QuerySet[User]:
    """The active commissioners (特派员), the accounts an enterprise can be assigned to."""
    return User.objects.filter(role=Role.COMMISSIONER, is_active=True)


def health_officers() -> QuerySet[User]:
    """The active health officers (防疫专员); filter by their enterprise account."""
    return User.objects.filter(role=Role.HEALTH_OFFICER, is_active=True)


def person(user: Any) -> User | None:
    """The account to store in a who-field for `user`: None for the system."""
    return user if isinstance(user, User) and user.pk else None


def get_scoped(model: type[models.Model], user: Any, pk: Any, related: tuple = ()) -> Any:
    """`model`'s object `pk` as `user` may see it, or Http404 outside the scope."""
    qs = model.objects.visible_to(user)
    if related:
        qs = qs.select_related(*related)
    try:
        obj = qs.filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        obj = None
    if obj is None:
        raise Http404
    return obj


def scoped(model: type[models.Model], *, kwarg: str = "pk", related: tuple = ()) -> Callable:
    """A detail view's decorator: fetch `model`'s object named by the URL's `kwarg` through
    `visible_to(request.user)` (404 outside the scope) and pass it in its place:
    `@scoped(WorkOrder) def detail(request, order)`."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            obj = get_scoped(model, request.user, kwargs.pop(kwarg), related)
            return view(request, obj, *args, **kwargs)

        return wrapper

    return decorate
