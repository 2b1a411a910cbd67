"""The pipeline page: open quotes by stage and expected close month with the renewals due,
totals and weighted forecast per currency, the deals of one month as a board, and what is at
risk (sales/metrics/pipeline.py)."""

from django.shortcuts import render
from django.urls import path

from accounts.roles import require
from sales.forms import PipelineFilterForm
from sales.metrics import pipeline as figures


@require("view_quotes")
def pipeline(request):
    form = PipelineFilterForm(request.GET, user=request.user)
    context = {"form": form}
    if form.is_valid():  # else the page shows the fields' errors
        user, today = request.user, form.today
        owner_id, bucket = form.cleaned_data["owner"], form.cleaned_data["month"]
        probabilities = figures.stage_probabilities()
        tables = figures.summary(user, owner_id, today)
        context |= {
            "bucket": bucket,
            "columns": [(key, label, probabilities[key]) for key, label in figures.COLUMNS],
            "tables": tables,
            "board": figures.board(user, owner_id, bucket, today, tables),
            "at_risk": figures.at_risk(user, owner_id, today),
        }
    return render(request, "sales/pipeline.html", context)


urlpatterns = [path("pipeline/", pipeline, name="pipeline")]
