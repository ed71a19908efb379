"""Work first: the site's address sends each role to its work, not to the divisions map, which
has its own address and a link in every page's menu."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import OWN_TOWN, OWN_VILLAGE, PASSWORD, client_for, make_user
from zhili.org.roles import Role

LANDINGS = {
    "system_admin": "/dash/",
    "city_analyst": "/dash/",
    "district_cadre": "/dash/",
    "town_cadre": f"/dash/unit/{OWN_TOWN}/",
    "mediator": "/m/cases/?mine=1",
    "data_officer": "/hub/quality/",
    "duty_officer": "/dash/",
    "citizen": "/m/cases/",
    "landlord": "/m/cases/",
    "grid_worker": "/map/",
    "police_officer": "/map/",
    "prosecutor": "/map/",
    "enforcement_officer": "/map/",
}


@pytest.mark.parametrize(("role", "target"), LANDINGS.items())
def test_each_role_lands_on_its_work(personas, role, target):
    response = client_for(personas[role]).get("/")
    assert (response.status_code, response.url) == (302, target)


def test_a_village_cadre_lands_on_its_villages_stars(city):
    cadre = make_user("village_z", Role.VILLAGE_CADRE, OWN_VILLAGE)
    response = client_for(cadre).get("/")
    assert response.url == f"/dash/unit/{OWN_VILLAGE}/?definition=star_rating&period=month"
    assert client_for(cadre).get(response.url).status_code == 200


def test_logging_in_goes_through_the_landing_to_the_work(personas):
    client = Client()
    login = client.post("/login/", {"username": "town_cadre_a", "password": PASSWORD})
    assert (login.status_code, login.url) == (302, "/")
    assert client.get("/").url == f"/dash/unit/{OWN_TOWN}/"


def test_a_visitor_is_sent_to_the_map_which_keeps_its_own_address(city):
    visitor = Client()
    assert visitor.get("/").url == "/map/"
    html = visitor.get("/map/").content.decode()
    assert "行政区划图" in html and 'id="map"' in html
    assert '<a href="/map/" id="nav-map">行政区划图</a>' in html


def test_the_menu_links_to_the_map_after_login(personas):
    html = client_for(personas["town_cadre"]).get("/map/").content.decode()
    assert '<a href="/map/" id="nav-map">行政区划图</a>' in html and 'id="map"' in html
