from django import template
from django.utils.translation import pgettext_lazy

register = template.Library()

SHORT = {
    "acknowledgement": pgettext_lazy("clock, short", "Ack."),
    "containment": pgettext_lazy("clock, short", "Cont."),
    "corrective_action": pgettext_lazy("clock, short", "CA"),
    "closure": pgettext_lazy("clock, short", "Close"),
}


@register.filter
def clock_short(name: str) -> str:
    """The two-character label of a clock for the registers' badges (确认, 围堵, 纠正, 结案)."""
    return str(SHORT.get(name, name))
