from django import template
from django.utils import dateformat, formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import pgettext_lazy

register = template.Library()

SHORT = {
    "acknowledgement": pgettext_lazy("clock, short", "Ack."),
    "containment": pgettext_lazy("clock, short", "Cont."),
    "corrective_action": pgettext_lazy("clock, short", "CA"),
    "closure": pgettext_lazy("clock, short", "Close"),
}
BADGE = '<span class="badge {}" title="{}" data-clock="{}" data-state="{}">{} {}</span>'
PAUSED = (
    '<span class="badge text-bg-secondary" data-clock="{}" data-state="paused">'
    '<i class="bi bi-pause-fill" aria-hidden="true"></i> {}</span>'
)


@register.filter
def clock_short(name: str) -> str:
    """The two-character label of a clock for the registers' badges (确认, 围堵, 纠正, 结案)."""
    return str(SHORT.get(name, name))


class ClockBadges:
    """The clocks of one complaint, compact: due time; met, missed, stopped, paused or overdue.

    One object draws a whole page: the labels, the time zone and the date formats are looked up
    once instead of once per badge (on the register that lookup was half of each row's time).
    """

    def __init__(self):
        self.now = timezone.now()
        self.tz = timezone.get_current_timezone()
        self.datetime_format = formats.get_format("SHORT_DATETIME_FORMAT")
        self.short = {name: str(label) for name, label in SHORT.items()}

    def when(self, moment) -> str:
        return dateformat.format(moment.astimezone(self.tz), self.datetime_format)

    def __call__(self, clocks) -> str:
        badges = format_html_join("", "{}", ((self.badge(clock),) for clock in clocks))
        return format_html('<div class="d-flex flex-wrap gap-1 cqms-clocks">{}</div>', badges)

    def badge(self, clock) -> str:
        short = self.short.get(clock.name, clock.name)
        if clock.done_at:
            if clock.met is None:
                return format_html(
                    BADGE,
                    "text-bg-light border",
                    clock.get_name_display(),
                    clock.name,
                    "stopped",
                    short,
                    "—",
                )
            css, state, mark = (
                ("text-bg-success", "met", "✓") if clock.met else ("text-bg-warning", "missed", "✗")
            )
            return format_html(BADGE, css, self.when(clock.done_at), clock.name, state, short, mark)
        if clock.paused_at:
            return format_html(PAUSED, clock.name, short)
        css, state = (
            ("text-bg-danger", "overdue")
            if clock.due_at < self.now
            else ("text-bg-light border", "running")
        )
        due = dateformat.format(clock.due_at.astimezone(self.tz), "m-d H:i")
        return format_html(BADGE, css, self.when(clock.due_at), clock.name, state, short, due)


@register.simple_tag
def clock_badges(clocks) -> str:
    return ClockBadges()(clocks)
