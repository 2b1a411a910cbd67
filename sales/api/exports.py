"""Finance exports and quote PDFs through the API: the same filters and files as the exports
page, from sales/exports.py. Plain paths (`urlpatterns`) under /api/v1/."""

import json

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import BaseRenderer, JSONRenderer

from accounts.api_base import RolePermission, RoleViewSetMixin
from accounts.roles import visible
from accounts.tokens import TokenScopePermission
from config.api import refuse_malformed_query
from sales.exports import EXPORTS, Export, pdf_response
from sales.models import Quote
from sales.pdf import PDFNotDrawn, draw_pdf


class PDFNotYetDrawn(APIException):
    status_code = 503
    default_code = "pdf_not_drawn"
    wait = 60  # DRF's handler answers it as Retry-After


class FileRenderer(BaseRenderer):
    """Lets a client ask for the file's type (Accept: text/csv); the views answer with the
    file itself, so this only renders an error, as JSON text."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else json.dumps(data).encode()


class CSVRenderer(FileRenderer):
    media_type, format = "text/csv", "csv"


class ZipRenderer(FileRenderer):
    media_type, format = "application/zip", "zip"


class PDFRenderer(FileRenderer):
    media_type, format = "application/pdf", "pdf"


PERIOD = [
    OpenApiParameter("period_start", OpenApiTypes.DATE, description="From this date (ISO)"),
    OpenApiParameter("period_end", OpenApiTypes.DATE, description="Until this date (ISO)"),
    OpenApiParameter("owner", OpenApiTypes.INT, description="Account manager (user id)"),
]
QUOTE_FILTERS = [
    *PERIOD,
    OpenApiParameter(
        "status",
        OpenApiTypes.STR,
        enum=[value for value in Quote.Status.values if value not in Quote.UNSENT],
    ),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=Quote.Kind.values),
]
FORBIDDEN = OpenApiResponse(description="Only Finance and Administrators export.")
BAD_FILTER = OpenApiResponse(OpenApiTypes.OBJECT, description="Field errors of the filter.")


class ExportView(GenericAPIView):
    """One finance export; the filter is a quote (or license) filter as on the exports page.
    Quotes are filtered on the date they were sent, licenses on their term meeting the period."""

    export: Export
    view_permission = "export"
    permission_classes = [TokenScopePermission, RolePermission]
    pagination_class = None

    @property
    def filterset_class(self):
        return self.export.filterset

    def get_queryset(self):
        return visible(self.request.user, self.export.queryset(), self.view_permission)

    def get(self, request):
        filterset = self.filterset_class(request.query_params, queryset=self.get_queryset())
        refuse_malformed_query(request.query_params, filterset.form)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        return self.export.respond(filterset.qs)


def _csv_schema(operation_id: str, summary: str, parameters: list[OpenApiParameter]):
    return extend_schema_view(
        get=extend_schema(
            operation_id=operation_id,
            summary=summary,
            parameters=parameters,
            responses={(200, "text/csv"): OpenApiTypes.STR, 400: BAD_FILTER, 403: FORBIDDEN},
        )
    )


@_csv_schema("export_quotes_csv", "Quotes as CSV, one row per quote with its totals", QUOTE_FILTERS)
class QuotesCSV(ExportView):
    renderer_classes = [JSONRenderer, CSVRenderer]
    export = EXPORTS["quotes.csv"]


@_csv_schema("export_quote_lines_csv", "The lines of the quotes as CSV", QUOTE_FILTERS)
class QuoteLinesCSV(ExportView):
    renderer_classes = [JSONRenderer, CSVRenderer]
    export = EXPORTS["quote-lines.csv"]


@_csv_schema(
    "export_licenses_csv",
    "Licenses as CSV: company, product, seats, unit price, term, annual value",
    PERIOD,
)
class LicensesCSV(ExportView):
    renderer_classes = [JSONRenderer, CSVRenderer]
    export = EXPORTS["licenses.csv"]


@extend_schema_view(
    get=extend_schema(
        operation_id="export_quote_pdfs_zip",
        summary="The PDFs of the quotes as one zip, streamed",
        parameters=QUOTE_FILTERS,
        responses={(200, "application/zip"): OpenApiTypes.BINARY, 400: BAD_FILTER, 403: FORBIDDEN},
    )
)
class QuotePDFsZip(ExportView):
    renderer_classes = [JSONRenderer, ZipRenderer]
    export = EXPORTS["quote-pdfs.zip"]


@extend_schema_view(
    get=extend_schema(
        operation_id="quote_pdf",
        summary="A quote's PDF: the stored document of a sent quote, a draft rendered now",
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            403: OpenApiResponse(description="Account managers download their own quotes only."),
            404: OpenApiResponse(description="No such quote, or the role sees no quotes."),
            503: OpenApiResponse(
                description="The PDF of a sent quote could not be drawn yet (the reason in "
                "`detail`, Retry-After); it is tried again in the background."
            ),
        },
    )
)
class QuotePDF(RoleViewSetMixin, GenericAPIView):
    view_permission = "view_quotes"
    # A plain view has no action of its own: name one so the mixin's override applies.
    action = "pdf"
    action_permissions = {"pdf": "download_quote"}
    renderer_classes = [JSONRenderer, PDFRenderer]
    queryset = Quote.objects.with_parties()

    def get(self, request, pk: int):
        quote = self.get_object()
        try:
            draw_pdf(quote)  # a sent quote's, if the worker has not yet: an error here is JSON
        except PDFNotDrawn as error:
            raise PDFNotYetDrawn(f"{error}. It will be tried again.") from error
        return pdf_response(quote)


urlpatterns = [
    path("exports/quotes.csv", QuotesCSV.as_view(), name="api_export_quotes"),
    path("exports/quote-lines.csv", QuoteLinesCSV.as_view(), name="api_export_quote_lines"),
    path("exports/licenses.csv", LicensesCSV.as_view(), name="api_export_licenses"),
    path("exports/quote-pdfs.zip", QuotePDFsZip.as_view(), name="api_export_quote_pdfs"),
    path("quotes/<int:pk>/pdf/", QuotePDF.as_view(), name="api_quote_pdf"),
]
