"""House rules that hold for every model and list endpoint."""

import pytest
from django.apps import apps
from django.contrib import admin

from tests.conftest import client_for

ZHILI_APPS = ("core", "geo", "org", "hub", "casework", "index", "mediation", "web")


def test_every_model_is_in_the_admin():
    models = [m for m in apps.get_models() if m._meta.app_label in ZHILI_APPS]
    assert models
    assert [m.__name__ for m in models if not admin.site.is_registered(m)] == []


def test_every_model_has_chinese_names():
    from django.utils import translation

    with translation.override("zh-hans"):
        for model in (m for m in apps.get_models() if m._meta.app_label in ZHILI_APPS):
            name = str(model._meta.verbose_name)
            assert any("\u4e00" <= ch <= "\u9fff" for ch in name), model.__name__


@pytest.mark.parametrize(
    ("url", "extra_rows"), [("/api/v1/geo/units", "units"), ("/api/v1/org/users", "users")]
)
def test_list_endpoints_use_a_fixed_number_of_queries(
    personas, django_assert_max_num_queries, url, extra_rows
):
    """The number of SQL statements of a page does not grow with its rows."""
    from tests.conftest import OWN_VILLAGE, make_user
    from zhili.geo.models import Kind, Unit

    client = client_for(personas["town_cadre"])
    with django_assert_max_num_queries(12) as small:
        client.get(url, {"page_size": 1000})
    if extra_rows == "units":
        parent = Unit.objects.get(code=OWN_VILLAGE)
        Unit.objects.bulk_create(
            [
                Unit(code=f"{OWN_VILLAGE}{i:03d}", name=f"网格{i}", kind=Kind.GRID, level=5, parent=parent)
                for i in range(10, 60)
            ]
        )
    else:
        for i in range(30):
            make_user(f"extra{i}", "citizen", OWN_VILLAGE)
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get(url, {"page_size": 1000}).json()
    assert body["count"] >= 30


def test_every_admin_list_and_record_opens_for_the_system_admin(mediation):
    """Each of our models' admin lists opens (200), and so does the page of its first record;
    parties' ID numbers and phones stay masked there."""
    from django.urls import reverse

    from tests.conftest import make_user
    from tests.mediation_fixtures import apply_as
    from zhili.org.roles import Role

    apply_as(mediation)
    client = client_for(make_user("root", Role.SYSTEM_ADMIN, None))  # the whole city
    for model, _model_admin in admin.site._registry.items():
        if model._meta.app_label not in ZHILI_APPS:
            continue
        info = (model._meta.app_label, model._meta.model_name)
        listing = client.get(reverse(f"admin:{info[0]}_{info[1]}_changelist"))
        assert listing.status_code == 200, info
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            page = client.get(reverse(f"admin:{info[0]}_{info[1]}_change", args=[first.pk]))
            assert page.status_code == 200, info
            if model.__name__ == "Party":
                assert (
                    "449902199001011231" not in page.content.decode()
                    and "4499**********1231" in page.content.decode()
                )
