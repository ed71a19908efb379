"""Officials' dashboards (login, scoped): the city overview, a unit's page, stars, reports,
index definitions."""

from django.urls import path, re_path

from zhili.web.dashboard import definition_editor, definitions, reports, views

app_name = "dash"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("unit/<str:code>/", views.unit, name="unit"),
    path("compare/", views.compare, name="compare"),
    path("stars/", views.stars, name="stars"),
    path("export/<str:table>/", views.export, name="export"),
    path("shapes/<str:level>/", views.shapes, name="shapes"),
    # monthly reports and index definitions (reports.py, definitions.py)
    path("reports/", reports.reports, name="reports"),
    re_path(r"^reports/(?P<month>\d{4}-\d{2})\.(?P<fmt>pdf|docx)$", reports.report_file, name="report_file"),
    path("definitions/", definitions.definitions, name="definitions"),
    path("definitions/<slug:code>/", definitions.definition, name="definition"),
    path("definitions/<slug:code>/compare/", definitions.definition_compare, name="definition_compare"),
    path("definitions/<slug:code>/draft/", definition_editor.definition_edit, name="definition_edit"),
    path(
        "definitions/<slug:code>/activate/", definition_editor.definition_activate, name="definition_activate"
    ),
]
