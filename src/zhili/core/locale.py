"""Chinese first: pages are in Simplified Chinese unless the person chose English.

Django's LocaleMiddleware follows the browser's Accept-Language, which would show English pages
to anyone whose browser is set to English. Zhili's pages follow only the language the person
picked (the switch sets a cookie); API clients may still ask with Accept-Language.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        if request.path_info.startswith("/api/"):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
