"""Bounds of every number, text and date Seatdesk accepts: one module that models, forms,
serializers and services all read, so a limit lives once and every path refuses the same input
with the same sentence.

The values come from the trade (per-seat software sold to businesses), not from the database:
each one is far above any real deal and far below where arithmetic or a column would overflow.
The bottom of the imports (accounts), so that every app may read it."""

import re
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import (
    DomainNameValidator,
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
)
from django.utils.deconstruct import deconstructible

# Seats: the largest employers have about two million staff; one deal of a million seats is
# beyond any real contract yet keeps seats x price x term well inside a money column.
MAX_SEATS = 1_000_000
MAX_SEAT_BLOCK_SIZE = 1_000
# Headcount of a client company (the largest employer on earth has about 2.3 million).
MAX_HEADCOUNT = 10_000_000
# Term of a quote or license: ten years is the longest enterprise commitment we meet.
MAX_TERM_MONTHS = 120
# A trial, extensions included, and one extension of it: the vendor's setting (a quarter by
# default), so that the form, the API, the admin and the services refuse the same day.
MAX_TRIAL_DAYS = settings.TRIAL_MAX_DAYS
MAX_EXTENSION_DAYS = settings.TRIAL_MAX_DAYS
# Days after a start that a checklist task falls due or a go-live is targeted.
MAX_SCHEDULE_DAYS = 365
# How far ahead a follow-up may fall due, and how long after it happened a note, call or
# meeting may still be logged (a year's hindsight; nothing is logged in the future).
MAX_FOLLOW_UP_DAYS = 365
MAX_LOGGED_DAYS_AGO = 365
# Lines on one quote: a long price list of products still fits, a runaway script does not.
MAX_QUOTE_LINES = 100

# Money: a unit price per seat per billing period, and any amount stored (MONEY's 14 digits).
MAX_UNIT_PRICE = Decimal("100000.00")
MAX_AMOUNT = Decimal("999999999999.99")
MAX_PERCENT = Decimal("100")

# Dates a user enters (starts, due dates, periods): contracts of this century.
# Rows in one usage feed request or CSV upload.
MAX_USAGE_ROWS = 10_000
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)

# Free text, in characters.
TEXT_NAME = 200  # company, product, task and template names
TEXT_PERSON_NAME = 100  # a contact's first or last name
TEXT_REASON = 1_000  # why something was refused, blocked or changed
TEXT_MESSAGE = 2_000  # the note sent with a quote
TEXT_NOTES = 5_000  # notes and descriptions
TEXT_TERMS = 10_000  # a quote's terms and conditions
TEXT_ADDRESS = 500  # a postal address, on several lines
TEXT_REFERENCE = 100  # the customer's purchase-order reference

# Rows in one company and contact import (CSV or XLSX).
MAX_IMPORT_ROWS = 10_000


def _number(value) -> str:
    return f"{value:,}"


def at_most(limit, what: str) -> MaxValueValidator:
    """A MaxValueValidator saying "At most 1,000,000 seats per line." (what = "seats per line")."""
    return MaxValueValidator(limit, message=f"At most {_number(limit)} {what}.")


def at_least(limit, what: str) -> MinValueValidator:
    return MinValueValidator(limit, message=f"At least {_number(limit)} {what}.")


def text_of_at_most(limit: int) -> MaxLengthValidator:
    return MaxLengthValidator(
        limit, message=f"At most {_number(limit)} characters (this has %(show_value)s)."
    )


SEATS = [at_least(1, "seat"), at_most(MAX_SEATS, "seats")]
SEATS_PER_LINE = [at_least(1, "seat"), at_most(MAX_SEATS, "seats per line")]
SEATS_PER_LICENSE = [at_least(1, "seat"), at_most(MAX_SEATS, "seats per license")]
# Seats assigned and users active, as the usage feed reports them (0 is a real figure).
USAGE_COUNT = [at_most(MAX_SEATS, "seats or users")]
SEAT_BLOCK_SIZE = [at_least(1, "seat per block"), at_most(MAX_SEAT_BLOCK_SIZE, "seats per block")]
HEADCOUNT = [at_most(MAX_HEADCOUNT, "employees")]
TERM_MONTHS = [at_least(1, "month"), at_most(MAX_TERM_MONTHS, "months")]
TRIAL_DAYS = [at_least(1, "day"), at_most(MAX_TRIAL_DAYS, "days in all, extensions included")]
EXTENSION_DAYS = [at_least(1, "day"), at_most(MAX_EXTENSION_DAYS, "days per extension")]
SCHEDULE_DAYS = [at_most(MAX_SCHEDULE_DAYS, "days")]
UNIT_PRICE = [
    MinValueValidator(0, message="A price cannot be negative."),
    at_most(MAX_UNIT_PRICE, "per seat and billing period"),
]
PERCENT = [
    MinValueValidator(0, message="Enter a percentage between 0 and 100."),
    MaxValueValidator(MAX_PERCENT, message="Enter a percentage between 0 and 100."),
]


@deconstructible
class DateWindowValidator:
    """Dates far outside any contract overflow date arithmetic (term ends, periods): refuse
    them as a typing error."""

    message = "Enter a date between {earliest:%d %b %Y} and {latest:%d %b %Y}."

    def __call__(self, value: date) -> None:
        if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise ValidationError(
                self.message.format(earliest=EARLIEST_DATE, latest=LATEST_DATE),
                code="date_window",
            )

    def __eq__(self, other):
        return isinstance(other, DateWindowValidator)


DATE = [DateWindowValidator()]


@deconstructible
class SingleLineValidator:
    """Names end up in email headers ("To: Ana Lima <ana@...>"): a line break there breaks
    the email, or lets the text forge headers."""

    message = "Keep this on one line (no line breaks)."

    def __call__(self, value: str) -> None:
        if value and re.search(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]", value):
            raise ValidationError(self.message, code="single_line")

    def __eq__(self, other):
        return isinstance(other, SingleLineValidator)


SINGLE_LINE = SingleLineValidator()


@deconstructible
class DomainValidator:
    """A company's web domain, e.g. "example.com" (no scheme, no path). Not a RegexValidator
    itself: Django's pattern is case-insensitive, which an OpenAPI `pattern` cannot say."""

    message = 'Enter a domain such as "example.com", without http:// or a path.'

    # Built once: building it compiles its patterns (a third of a millisecond per value).
    validator = DomainNameValidator(accept_idna=True, message=message)

    def __call__(self, value: str) -> None:
        self.validator(value)

    def __eq__(self, other):
        return isinstance(other, DomainValidator)


VAT_SEPARATORS = re.compile(r"[\s.\-]")
VAT_PATTERN = re.compile(r"[A-Z]{2}[0-9A-Z]{2,13}")


def normalize_vat(value: str) -> str:
    """A VAT number as stored: capitals, without the spaces, dots and hyphens people type."""
    return VAT_SEPARATORS.sub("", value or "").upper()


@deconstructible
class VatNumberValidator:
    """A VAT number in the EU's (VIES) shape, loosely: two letters naming the country (EL for
    Greece, XI for Northern Ireland; GB, CH or NO pass too) then 2 to 13 letters or digits,
    spaces, dots and hyphens aside. No checksum and no country-specific length: a typo is
    caught, a real but unusual number is not refused."""

    message = (
        "Enter a VAT number as the country's two letters then its digits, e.g. FR12345678901 "
        "or DE123456789."
    )

    def __call__(self, value: str) -> None:
        if value and not VAT_PATTERN.fullmatch(normalize_vat(value)):
            raise ValidationError(self.message, code="vat_number")

    def __eq__(self, other):
        return isinstance(other, VatNumberValidator)


VAT_NUMBER = [VatNumberValidator()]


@deconstructible
class CurrencyValidator:
    """ISO 4217 codes only: three capital letters of a currency that exists."""

    def __call__(self, value: str) -> None:
        if value not in CURRENCIES:
            raise ValidationError(
                f"“{value}” is not an ISO 4217 currency code (three capitals, e.g. EUR, USD).",
                code="currency",
            )

    def __eq__(self, other):
        return isinstance(other, CurrencyValidator)


# ISO 4217 active codes (2024), without funds, precious metals and testing codes (X..).
CURRENCIES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
    FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY
    KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP
    MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
    RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT
    TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR
    ZMW ZWG
    """.split()
)
CURRENCY = [CurrencyValidator()]
CURRENCY_CHOICES = [(code, code) for code in sorted(CURRENCIES)]


# Checks for services, which may be called directly with any value.


def check(value, validators, field: str) -> None:
    """Run a field's bounds (one of the lists above) on a value; a refusal names the field."""
    for validator in validators:
        try:
            validator(value)
        except ValidationError as error:
            raise ValidationError({field: error.messages}) from None


def check_seats(seats: int, field: str = "seats", per: str = "") -> None:
    """1 to MAX_SEATS seats; `per` ("line", "license") names what the limit is of."""
    if seats is None or isinstance(seats, bool) or not isinstance(seats, int):
        raise ValidationError({field: "Enter a whole number of seats."})
    validators = {"line": SEATS_PER_LINE, "license": SEATS_PER_LICENSE}.get(per, SEATS)
    check(seats, validators, field)


def check_amount(amount: Decimal, field: str = "total") -> None:
    if amount is not None and abs(amount) > MAX_AMOUNT:
        raise ValidationError(
            {
                field: f"This comes to more than {_number(MAX_AMOUNT)}, beyond what a quote "
                "can hold: make fewer seats, a shorter term or several quotes."
            }
        )


def check_fields(instance, *names: str) -> None:
    """Validate some of a model instance's fields against their bounds (their validators,
    lengths and choices), without the database; for services that set fields directly."""
    others = [field.name for field in instance._meta.fields if field.name not in names]
    instance.clean_fields(exclude=others)
