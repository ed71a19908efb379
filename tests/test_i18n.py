from pathlib import Path

from babel.messages.pofile import read_po
from django.test import Client
from django.utils import translation

CATALOGUE = Path(__file__).resolve().parent.parent / "src/zhili/locale/zh_Hans/LC_MESSAGES/django.po"


def test_every_message_has_a_chinese_translation():
    with CATALOGUE.open("rb") as fh:
        catalogue = read_po(fh)
    missing = [m.id for m in catalogue if m.id and not m.string]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert (missing, fuzzy) == ([], [])


def test_pages_are_chinese_whatever_the_browser_asks_and_english_when_chosen(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = client.get("/login/").content.decode()
    assert 'lang="zh-hans"' in page and "登录" in page
    client.cookies["django_language"] = "en"
    page = client.get("/login/").content.decode()
    assert 'lang="en"' in page and "Log in" in page


def test_api_errors_follow_accept_language(db):
    zh = Client().get("/api/v1/geo/units").json()["message"]
    en = Client(HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/geo/units").json()["message"]
    assert en == "Log in or send an API token"
    with translation.override("zh-hans"):
        assert zh == translation.gettext("Log in or send an API token") != en


def test_the_api_documentation_is_chinese_and_english_when_chosen(db):
    def operation(client, path, method="get"):
        schema = client.get("/api/openapi.json").json()
        return schema["info"]["title"], schema["paths"][path][method]

    title, units = operation(Client(), "/api/v1/geo/units")
    assert (title, units["summary"], units["tags"]) == ("治理平台接口", "列出辖区内的区划单位", ["行政区划"])
    english = Client()
    english.cookies["django_language"] = "en"
    title, units = operation(english, "/api/v1/geo/units")
    assert (title, units["summary"], units["tags"]) == (
        "Zhili API",
        "List units in your scope",
        ["Divisions"],
    )
    docs = Client().get("/api/docs").content.decode()
    assert '<html lang="zh-hans">' in docs and "ninja/swagger-ui-bundle" in docs
