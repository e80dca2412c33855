from django.conf import settings
from django.utils import translation


class LanguageMiddleware:
    """Chinese first: zh-Hans unless the user chose another language (the set_language cookie).
    The browser's Accept-Language is not consulted, so an English-language browser on a
    government PC still gets the Chinese UI."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = dict(settings.LANGUAGES)

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.languages:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
