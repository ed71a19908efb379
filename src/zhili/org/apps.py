from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "zhili.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import signals  # noqa: F401

        post_migrate.connect(_sync_roles, sender=self)


def _sync_roles(sender, **kwargs):
    """Role groups follow `roles.ROLE_PERMISSIONS` after every migrate."""
    from .roles import sync_role_groups

    sync_role_groups(using=kwargs.get("using", "default"))
