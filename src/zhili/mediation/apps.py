from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "zhili.mediation"
    label = "mediation"
    verbose_name = _("Dispute mediation")

    def ready(self):
        from zhili.casework.registry import register
        from zhili.mediation.casetype import case_type

        register(case_type())
