from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "zhili.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import signals  # noqa: F401

        post_migrate.connect(_sync_roles)


def _sync_roles(sender, **kwargs):
    """Role groups follow `roles.ROLE_PERMISSIONS` after every migrate: once, after the last
    app's post_migrate, when the permissions of every app exist."""
    from django.apps import apps

    with_models = [a for a in apps.get_app_configs() if a.models_module is not None]
    if sender.label != with_models[-1].label:
        return
    from .roles import sync_role_groups

    sync_role_groups(using=kwargs.get("using", "default"))
