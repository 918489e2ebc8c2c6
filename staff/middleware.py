from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.functional import SimpleLazyObject, empty


class DeskLocaleMiddleware(LocaleMiddleware):
    """Chinese unless the user chose English with the language switch.

    Django's LocaleMiddleware follows the browser's Accept-Language; desk PCs often
    run English browsers, and the product's language is Simplified Chinese. Only
    the language cookie set by the switch changes it.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        try:
            language = translation.get_supported_language_variant(chosen or "")
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class ResolvedUserMiddleware:
    """``request.user`` as the user itself once it has been loaded.

    AuthenticationMiddleware puts a SimpleLazyObject there; every attribute read then
    goes through the proxy (an AttributeError raised and caught each time), and a list
    that asks for each row whether the user may act on it reads it hundreds of times a
    page. Placed after LoginRequiredMiddleware, whose process_view has loaded the user
    of every view that needs one; a user not loaded yet (a page open to anyone) is left
    lazy.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if isinstance(user, SimpleLazyObject) and user._wrapped is not empty:
            request.user = user._wrapped
