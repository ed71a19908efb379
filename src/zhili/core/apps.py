from axes.apps import AppConfig as _AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    # this module holds two AppConfigs (AxesConfig below is django-axes'): say which is core's,
    # or Django makes a bare one ("Core", no ready())
    default = True
    name = "zhili.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from zhili.core.models import CalendarDay
        from zhili.core.workdays import forget_overrides

        for signal in (post_save, post_delete):
            signal.connect(lambda **kw: forget_overrides(), sender=CalendarDay, weak=False)


class AxesConfig(_AxesAppConfig):
    """django-axes with a Chinese name in the admin (its own catalogue has no Chinese)."""

    verbose_name = _("Login security")
