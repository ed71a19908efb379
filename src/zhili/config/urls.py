from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from zhili.config.api import api

admin.site.site_header = _("Zhili administration")
admin.site.site_title = _("Zhili")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("hub/", include("zhili.hub.urls")),
    path("p/", include("zhili.web.public.urls")),
    path("dash/", include("zhili.web.dashboard.urls")),
    path("screen/", include("zhili.web.screen.urls")),
    path("m/", include("zhili.mediation.urls")),
    path("me/", include("zhili.org.urls")),
    path("", include("zhili.web.urls")),
]

handler404 = "zhili.web.views.page_not_found"
handler500 = "zhili.web.views.server_error"
handler403 = "zhili.web.views.permission_denied"
handler400 = "zhili.web.views.bad_request"
