"""Plumbing every API module shares: errors, pagination, search, schema, field bounds.

No business rules and no app imports live here (config/ is the ground floor): the role-aware
viewset base is accounts.api_base, beside the roles it asks.
"""

import re
from datetime import date

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, filters, pagination, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.views import exception_handler as drf_exception_handler

from config.pagination import COUNT_CAP, SEARCH_LIMIT, PaginatorByIds, first_matches


def exception_handler(exc, context):
    """Services refuse with Django's ValidationError: answer it as a 400 in DRF's usual shape
    ({"field": ["message"], "non_field_errors": ["message"]}), as every other 400 is."""
    if isinstance(exc, DjangoValidationError):
        detail = serializers.as_serializer_error(exc)
        if "__all__" in detail:
            detail.setdefault("non_field_errors", []).extend(detail.pop("__all__"))
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, list):
        exc = exceptions.ValidationError({"non_field_errors": exc.detail})
    response = drf_exception_handler(exc, context)
    if response is not None:
        # An error is JSON even where the success is a file (CSV, PDF, zip) the client asked
        # for with its Accept header.
        request = context["request"]
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type
    return response


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's page numbers, whose page size is checked as documented (a whole number from 1;
    larger than 200 gets 200) instead of a malformed one silently giving the default.

    Large lists: `count` stops at COUNT_CAP (CappedPaginator; `next` goes on beyond it), and
    a page is found among bare ids first, then only its rows are read, so that a deep page
    skips index entries, not joined rows and computed figures (seats, status)."""

    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = PaginatorByIds

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count"]["description"] = (
            f"Results in all, counted up to {COUNT_CAP:,}: {COUNT_CAP:,} means at least as "
            f"many (follow `next` to the end). A `search` answers its first {SEARCH_LIMIT:,} "
            f"matches: {SEARCH_LIMIT:,} means there may be more; narrow the search."
        )
        return schema

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and raw != "":
            if not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
                raise exceptions.ValidationError(
                    {self.page_size_query_param: ["Enter a whole number of at least 1."]}
                )
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = f"Results per page, at most {self.max_page_size}."
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters


class SearchFilter(filters.SearchFilter):
    """DRF's search, whose refusal of a malformed term (a NUL character) names the parameter.
    A model whose QuerySet has `search(text)` (companies, contacts, quotes, licenses, trials)
    is searched by it, the indexed way its pages search, instead of an OR of `search_fields`
    across joins, and answers its first SEARCH_LIMIT matches (first_matches)."""

    def filter_queryset(self, request, queryset, view):
        if not hasattr(queryset, "search"):
            return super().filter_queryset(request, queryset, view)
        terms = self.get_search_terms(request)
        return first_matches(queryset, " ".join(terms)) if terms else queryset

    def get_search_terms(self, request):
        try:
            return super().get_search_terms(request)
        except exceptions.ValidationError as error:
            raise exceptions.ValidationError({self.search_param: error.detail}) from error


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
WHOLE_NUMBER = re.compile(r"-?[0-9]+")
DECIMAL_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def refuse_malformed_query(query_params, form: forms.Form) -> None:
    """Refuse, as a 400 naming the parameter, a filter value the schema does not allow and
    that django-filter or a blank-tolerant form would read as "no filter": an empty value, a
    date that is not YYYY-MM-DD, a number that is not digits, a boolean other than true/false.
    The HTML pages keep their blank-tolerant forms; the API is held to its schema."""
    errors = {}
    for name, field in form.fields.items():
        for value in query_params.getlist(name):
            message = _malformed(field, value)
            if message:
                errors.setdefault(name, []).append(message)
    if errors:
        raise exceptions.ValidationError(errors)


def _malformed(field: forms.Field, value: str) -> str | None:
    if isinstance(field, forms.NullBooleanField | forms.BooleanField):
        return None if value in ("true", "false") else "Enter true or false."
    if value == "":
        return "Enter a value, or leave the parameter out."
    if isinstance(field, forms.DateField) and not isinstance(field, forms.DateTimeField):
        if not ISO_DATE.fullmatch(value) or not _is_iso_date(value):
            return field.error_messages["invalid"]
    elif isinstance(field, forms.ModelChoiceField | forms.IntegerField):
        if not WHOLE_NUMBER.fullmatch(value):
            return "Enter a whole number."
    elif isinstance(field, forms.DecimalField | forms.FloatField):
        if not DECIMAL_NUMBER.fullmatch(value):
            return "Enter a number."
    return None


def _is_iso_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend, which refuses the filter values django-filter would ignore
    (see refuse_malformed_query) instead of answering the unfiltered list."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            refuse_malformed_query(request.query_params, filterset.form)
        return filterset


ERROR_SCHEMAS = {
    "ValidationError": {
        "type": "object",
        "description": (
            "Bad input, or an action the object's status does not allow; nothing was written. "
            "Each field name maps to a list of messages (nested lines to a list of per-line "
            "errors); `non_field_errors` holds the messages about the whole request."
        ),
        "additionalProperties": {},
    },
    "Error": {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
}
ERROR_RESPONSES = {
    "400": ("ValidationError", "Bad input or an action the status does not allow"),
    "401": ("Error", "Not signed in: send `Authorization: Token <key>` or a session cookie"),
    "403": ("Error", "The role may not take this action (on this object)"),
    "404": ("Error", "No such object, or one the role may not see; or no such page or format"),
    "413": ("Error", "The request body is larger than the server accepts"),
    "429": ("Error", "Too many requests for the user or token: wait `Retry-After` seconds"),
}


def document_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation documents the errors it can
    answer: 401, 403 and 429 everywhere, 404 on objects, pages and formats, 400 where input is read,
    413 where a body is sent."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_SCHEMAS)
    for path, operations in result["paths"].items():
        for method, operation in operations.items():
            codes = ["401", "403", "429"]
            # DRF answers an unknown `?format=` with a 404, as it does a page past the end.
            if "{" in path or {"page", "format"} & _parameter_names(operation):
                codes.append("404")
            if method != "get" or _parameter_names(operation) - {"id"}:
                codes.append("400")
            if method in ("post", "put", "patch"):
                codes.append("413")
            for code in codes:
                name, description = ERROR_RESPONSES[code]
                operation["responses"].setdefault(
                    code,
                    {
                        "description": description,
                        "content": {
                            "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                        },
                    },
                )
    return result


def _parameter_names(operation) -> set[str]:
    return {parameter["name"] for parameter in operation.get("parameters", [])}


def accept_decimal_numbers(result, generator, request, public):
    """drf-spectacular postprocessing hook: DRF's decimal fields read a JSON number as well as
    a string ("40.00" or 40), while the schema calls them strings only; say both, so that a
    client sending 40 is not told it breaks the schema. Answers stay strings."""
    result["components"] = _with_decimal_numbers(result.get("components", {}))
    return result


def _with_decimal_numbers(node):
    if isinstance(node, list):
        return [_with_decimal_numbers(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _with_decimal_numbers(value) for key, value in node.items()}
    if node.get("type") != "string" or node.get("format") != "decimal" or node.get("readOnly"):
        return node  # answers are always strings; only what a client sends may be a number
    outer = {
        key: node.pop(key)
        for key in ("readOnly", "writeOnly", "nullable", "description")
        if key in node
    }
    number = {"type": "number"}
    number.update({key: node[key] for key in ("minimum", "maximum") if key in node})
    return {**outer, "anyOf": [node, number]}
