from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import translation
from django.views.defaults import permission_denied


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


class ServiceErrorMiddleware:
    """A service refusing the user (PermissionError, raised by the use-cases in services.py)
    is a 403 page, wherever the view called it; views need not translate it themselves. The
    API has its own handler (fugong/api.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionError):
            return permission_denied(request, PermissionDenied(str(exception)))
        return None
