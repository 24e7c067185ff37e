from django.conf import settings
from django.utils.functional import cached_property

from .menu import visible_menu


class UnreadNotifications:
    """The unread count of the header badge: one indexed COUNT, run only if a page shows it."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def count(self) -> int:
        from cqms.notifications.services import unread_count

        return unread_count(self.user)

    def __bool__(self):
        return self.count > 0

    def __str__(self):
        return "99+" if self.count > 99 else str(self.count)


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"cqms_production": settings.PRODUCTION}
    # Kept on the request: a template rendered inside the page with the request (a table of
    # django-tables2) runs every context processor again.
    if (cached := getattr(request, "_cqms_shell", None)) is None:
        cached = request._cqms_shell = {
            "cqms_menu": visible_menu(user, request.path),
            "cqms_production": settings.PRODUCTION,
            "cqms_unread": UnreadNotifications(user),
        }
    return cached
