from django import template
from django.utils import formats, timezone
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


@register.simple_tag
def clock_badges(clocks) -> str:
    """The clocks of one complaint, compact: due time; met, missed, stopped, paused or overdue.
    Built in Python: as an included template, 25 rows of four clocks were the register's
    largest cost."""
    badges = format_html_join("", "{}", ((_badge(clock),) for clock in clocks))
    return format_html('<div class="d-flex flex-wrap gap-1 cqms-clocks">{}</div>', badges)


def _badge(clock) -> str:
    short = clock_short(clock.name)
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
        return format_html(BADGE, css, _when(clock.done_at), clock.name, state, short, mark)
    if clock.paused_at:
        return format_html(PAUSED, clock.name, short)
    css, state = (
        ("text-bg-danger", "overdue") if clock.overdue else ("text-bg-light border", "running")
    )
    due = formats.date_format(timezone.localtime(clock.due_at), "m-d H:i")
    return format_html(BADGE, css, _when(clock.due_at), clock.name, state, short, due)


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
