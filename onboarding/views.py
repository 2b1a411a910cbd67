"""Support staff's pages: the onboarding board and one onboarding's checklist."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.roles import can, get_for, require, visible
from onboarding import services
from onboarding.forms import BoardFilterForm, TaskAssignForm, TaskForm, TaskStatusForm
from onboarding.models import Onboarding, Task, onboarding_staff

BOARD_PAGE_SIZE = 48  # fills rows of 1, 2 or 3 cards


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@require("view_onboarding")
def board(request):
    today = timezone.localdate()
    onboardings = visible(request.user, Onboarding.objects.open())
    form = BoardFilterForm(request.GET or None)
    if form.is_valid():
        filters = form.cleaned_data
        if filters["owner"]:
            onboardings = onboardings.owned_by(filters["owner"])
        if filters["assignee"]:
            onboardings = onboardings.with_tasks_assigned_to(filters["assignee"])
        if filters["mine"]:
            onboardings = onboardings.involving(request.user)
        if filters["overdue"]:
            onboardings = onboardings.with_overdue_tasks(today)
    order = ("target_live_on", "pk")
    # Page through ids, then count progress for the page's onboardings only: counting every
    # open onboarding's tasks to show 48 of them is what made the board slow.
    page = Paginator(onboardings.order_by(*order).values_list("pk", flat=True), BOARD_PAGE_SIZE)
    page = page.get_page(request.GET.get("page"))
    cards = (
        Onboarding.objects.filter(pk__in=list(page))
        .for_board()
        .with_progress(today)
        .order_by(*order)
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "onboarding/board.html",
        {"form": form, "page": page, "cards": cards, "today": today, "query": query.urlencode()},
    )


def _checklist_context(request, onboarding_pk: int, **extra) -> dict:
    today = timezone.localdate()
    onboardings = Onboarding.objects.for_board().with_progress(today)
    onboarding = get_for(request.user, "view_onboarding", onboardings, pk=onboarding_pk)
    license = onboarding.license
    return {
        "onboarding": onboarding,
        "today": today,
        # A license that starts later goes live from its start (services.check_can_go_live).
        "live_from": license.starts_on if license.is_scheduled(today) else None,
        "can_edit": can(request.user, "edit_onboarding"),
        "staff": list(onboarding_staff()),
        **extra,
    }


def _render_detail(request, pk: int, add_form: TaskForm):
    context = _checklist_context(request, pk, add_form=add_form)
    context["sections"] = (
        Task.objects.filter(onboarding=context["onboarding"])
        .for_checklist(context["today"])
        .by_category()
    )
    return render(request, "onboarding/detail.html", context)


@login_required
def detail(request, pk: int):
    return _render_detail(request, pk, TaskForm(prefix="new"))


def _task_changed(request, task: Task, error: str = ""):
    """After a change to one task: its row and, out of band, the onboarding's progress (htmx);
    without htmx, back to the checklist. A refused change keeps the user's choice shown."""
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("onboarding_detail", pk=task.onboarding_id)
    context = _checklist_context(
        request, task.onboarding_id, error=error, chosen_status=error and request.POST.get("status")
    )
    context["task"] = Task.objects.for_checklist(context["today"]).get(pk=task.pk)
    return render(request, "onboarding/_task_changed.html", context)


@require_POST
@login_required
def task_status(request, pk: int):
    task = get_for(request.user, "edit_onboarding", Task.objects.all(), pk=pk)
    form = TaskStatusForm(request.POST)
    if not form.is_valid():
        return _task_changed(request, task, error="Pick a status.")
    try:
        services.change_task_status(
            task=task,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
    except ValidationError as error:
        return _task_changed(request, task, error=_error_text(error))
    return _task_changed(request, task)


@require_POST
@login_required
def task_assign(request, pk: int):
    task = get_for(request.user, "edit_onboarding", Task.objects.all(), pk=pk)
    form = TaskAssignForm(request.POST)
    if not form.is_valid():
        return _task_changed(request, task, error="Pick someone who works on onboardings.")
    try:
        services.assign_task(task=task, assignee=form.cleaned_data["assignee"], actor=request.user)
    except ValidationError as error:
        return _task_changed(request, task, error=_error_text(error))
    return _task_changed(request, task)


@login_required
def task_edit(request, pk: int):
    tasks = Task.objects.select_related("onboarding__company")
    task = get_for(request.user, "edit_onboarding", tasks, pk=pk)
    form = TaskForm(request.POST or None, instance=task)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_task(task=task, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Task “{task.title}” saved.")
            return redirect("onboarding_detail", pk=task.onboarding_id)
    return render(request, "onboarding/task_form.html", {"form": form, "task": task})


@require_POST
@login_required
def task_add(request, pk: int):
    onboarding = get_for(request.user, "edit_onboarding", Onboarding.objects.all(), pk=pk)
    form = TaskForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            services.add_task(onboarding=onboarding, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Task “{form.cleaned_data['title']}” added.")
            return redirect("onboarding_detail", pk=pk)
    return _render_detail(request, pk, form)


def _onboarding_action(request, pk: int, service, done_message: str):
    onboardings = Onboarding.objects.select_related("company")
    onboarding = get_for(request.user, "edit_onboarding", onboardings, pk=pk)
    try:
        service(onboarding=onboarding, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, done_message.format(company=onboarding.company))
    return redirect("onboarding_detail", pk=pk)


@require_POST
@login_required
def mark_live(request, pk: int):
    return _onboarding_action(request, pk, services.mark_live, "{company} is live.")


@require_POST
@login_required
def hold(request, pk: int):
    return _onboarding_action(request, pk, services.put_on_hold, "Onboarding put on hold.")


@require_POST
@login_required
def resume(request, pk: int):
    return _onboarding_action(request, pk, services.resume_onboarding, "Onboarding resumed.")
