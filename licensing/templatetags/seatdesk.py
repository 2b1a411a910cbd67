"""Formatting for the back-office templates (all apps): money, penetration, days, forms."""

from decimal import Decimal

from django import template
from django.conf import settings

from accounts.roles import can
from licensing import pricing
from licensing.pricing import format_money

register = template.Library()


MISSING = "—"


@register.filter
def money(amount: Decimal | None, currency: str = "") -> str:
    """1234.5 -> "1,234.50 EUR", rounded to the currency's minor unit (database sums may
    carry more decimals); the currency defaults to SEATDESK_CURRENCY; None -> a dash."""
    if amount is None:
        return MISSING
    return format_money(amount, currency or settings.SEATDESK_CURRENCY)


@register.inclusion_tag("accounts/_penetration.html")
def penetration(company):
    """A bar of the most-licensed product's seats against headcount, with the agreed target
    marked (company annotated by Company.objects.with_seats)."""
    seats = company.top_product_seats
    headcount = company.employee_count or 0
    target = company.target_seats or 0

    def share(part: int) -> int:
        return round(100 * part / headcount) if headcount else 0

    return {
        "seats": seats,
        "headcount": headcount,
        "target": target,
        "percent": share(seats),
        "bar_percent": min(share(seats), 100),
        "target_percent": min(share(target), 100),
        "of_target": min(round(100 * seats / target), 999) if target else None,
        "whitespace": company.whitespace,
    }


@register.filter
def license_state(license, today=None) -> str:
    """The state shown on pages: "Scheduled (starts 1 Jan 2027)" for a license whose start
    is to come, else its status."""
    if license.is_scheduled(today):
        return f"Scheduled (starts {license.starts_on:%-d %b %Y})"
    return license.get_status_display()


@register.filter
def state_on(trial_or_license, today=None) -> str:
    """The state every read agrees on: "scheduled", "expired" (derived), or the status."""
    return trial_or_license.state(today)


@register.filter
def per_headcount(seats: int, headcount: int | None) -> str:
    """Seats of one product per 100 employees, one decimal: 25 of 50 -> "50.0%"."""
    if not headcount:
        return MISSING
    return f"{Decimal(100 * seats) / headcount:.1f}%"


@register.filter
def trial_state(trial, today=None) -> str:
    """Running: "Active · 3 days left" ("last day today" on its last); else the status: an
    active trial past its last day reads "Expired", never "Active · 0 days left"."""
    if trial.state(today) == trial.Status.ACTIVE:
        left = trial.days_left(today)
        if not left:
            return "Active · last day today"
        return f"Active · {left} day{'' if left == 1 else 's'} left"
    return trial.state_display(today)


WIDGET_CLASSES = {"select": "form-select", "checkbox": "form-check-input"}


@register.filter
def styled(field):
    """Render a bound field's widget with Bootstrap classes, its error state and the ids of
    its help and error texts (so screen readers announce them)."""
    input_type = getattr(field.field.widget, "input_type", "textarea")
    classes = [WIDGET_CLASSES.get(input_type, "form-control")]
    described_by = []
    if field.help_text:
        described_by.append(f"{field.id_for_label}-help")
    attrs = {}
    if field.errors:
        classes.append("is-invalid")
        described_by.append(f"{field.id_for_label}-errors")
        attrs["aria-invalid"] = "true"
    attrs["class"] = " ".join(classes)
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return field.as_widget(attrs=attrs)


@register.filter
def days_left(trial, today) -> int:
    return trial.days_left(today)


@register.filter
def split(text: str) -> list[str]:
    return text.split()


@register.filter
def normalize(number: Decimal) -> str:
    """1.000 -> "1", 0.50 -> "0.5": counts of periods without trailing zeros."""
    return f"{Decimal(number).normalize():f}"


@register.filter
def percent(share: Decimal | None) -> str:
    """A share of 1 as a percentage with one decimal: 0.4356 -> "43.6%"; None (nothing
    counted) -> a dash."""
    if share is None:
        return MISSING
    return f"{Decimal(share) * 100:.1f}%"


@register.filter
def utilisation(active_users: int | None, licensed_seats: int | None) -> Decimal | None:
    """{{ active|utilisation:seats|percent }}: licensing.pricing.utilisation; None (a dash)
    when nothing reports usage."""
    if active_users is None or not licensed_seats:
        return None
    return pricing.utilisation(active_users, licensed_seats)


@register.filter
def points(change: Decimal | None) -> str:
    """A change of a share in percentage points: 0.052 -> "+5.2 pts"; None -> a dash."""
    if change is None:
        return MISSING
    return f"{Decimal(change) * 100:+.1f} pts".replace("-", "−")


@register.simple_tag(takes_context=True)
def may(context, permission: str, obj=None) -> bool:
    """{% may "edit_trial" trial as editable %}: the roles module answers, per object."""
    return can(context["request"].user, permission, obj)


@register.filter
def startswith(text: str, prefix: str) -> bool:
    return text.startswith(prefix)


@register.inclusion_tag("_sort_header.html", takes_context=True)
def sort_header(context, form, key: str, label: str, css: str = ""):
    """A list's column header that sorts by `key` of the form's SORTS ("-seats": most
    first), and the other way round once the list is sorted so; aria-sort says which."""
    other = key[1:] if key.startswith("-") else f"-{key}"
    current = form.applied_sort
    target = other if current == key else key
    query = context["request"].GET.copy()
    query["sort"] = target
    query.pop("page", None)
    shown = current if current in (key, other) else ""
    return {
        "href": f"?{query.urlencode()}",
        "label": label,
        "css": css,
        "aria_sort": ("descending" if shown.startswith("-") else "ascending") if shown else "",
        "next_label": form.SORTS[target][0],
    }


@register.filter
def under_used(share) -> bool:
    """Whether a utilisation (a fraction) is below USAGE_RISK_THRESHOLD."""
    return share is not None and share * 100 < settings.USAGE_RISK_THRESHOLD
