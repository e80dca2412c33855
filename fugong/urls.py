from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from fugong.api import api
from fugong.core import views as core_views
from fugong.core.security import (
    LoginView,
    PasswordChangeView,
    admin_login,
    login_name,
    otp,
    rate_limit,
)
from fugong.dashboard import views as dashboard_views

admin.site.site_header = admin.site.site_title = "复工复产服务平台 管理后台"

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path(
        "accounts/login/",
        rate_limit("login", methods=("POST",), key=login_name)(LoginView.as_view()),
        name="login",
    ),
    path("accounts/otp/", rate_limit("login", methods=("POST",))(otp), name="otp"),
    path(
        "accounts/password/",
        rate_limit("login", methods=("POST",))(PasswordChangeView.as_view()),  # old password
        name="password_change",
    ),
    path("accounts/logout/", core_views.LogoutView.as_view(), name="logout"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/login/", admin_login),  # one door: the admin logs in where everyone does
    path(  # and changes the password where everyone does (policy, history, rate limit, audit)
        "admin/password_change/", RedirectView.as_view(url="/accounts/password/")
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("fugong.core.urls")),
    path("", include("fugong.registry.urls")),
    path("", include("fugong.reporting.urls")),
    path("", include("fugong.workorders.urls")),
    path("", include("fugong.approvals.urls")),
    path("", include("fugong.passes.urls")),
    path("", include("fugong.health.urls")),
    path("", include("fugong.policies.urls")),
    path("", include("fugong.financing.urls")),
    path("", include("fugong.supplies.urls")),
    path("", include("fugong.consultations.urls")),
    path("", include("fugong.inspections.urls")),
    path("", include("fugong.projects.urls")),
    path("", include("fugong.workforce.urls")),
    path("", include("fugong.dashboard.urls")),
]
