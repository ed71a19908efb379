"""House rules that hold for every model and list endpoint."""

import pytest
from django.apps import apps
from django.contrib import admin

from tests.conftest import client_for

ZHILI_APPS = ("core", "geo", "org", "hub", "web")


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
