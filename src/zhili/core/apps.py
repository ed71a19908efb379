from axes.apps import AppConfig as _AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "zhili.core"
    label = "core"
    verbose_name = _("Core")


class AxesConfig(_AxesAppConfig):
    """django-axes with a Chinese name in the admin (its own catalogue has no Chinese)."""

    verbose_name = _("Login security")
