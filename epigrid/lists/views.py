"""Department-list pages: upload, check the columns, follow the linking, read the outcome."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from epigrid.core.access import ScopedRequest, requires, scoped
from epigrid.lists import selectors
from epigrid.lists.files import ListFileError
from epigrid.lists.forms import ListUploadForm, MappingForm
from epigrid.lists.models import ListBatch, ListRow
from epigrid.lists.review import list_row_link, list_row_new_person
from epigrid.lists.services import list_batch_confirm, list_batch_upload
from epigrid.regions.scope import scope_for


@scoped
def batch_list(request: ScopedRequest) -> HttpResponse:
    """List the batches sent into the user's subtrees; departments, HQ and towns upload new ones."""
    user = request.user
    form = ListUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        roots = scope_for(user).roots
        if not user.caps.upload_lists or not roots:
            raise PermissionDenied
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = list_batch_upload(
                    actor=user,
                    region=roots[0],
                    source_name=form.cleaned_data["source"],
                    file_name=upload.name,
                    content=upload.read(),
                    number=form.cleaned_data["number"],
                )
            except ListFileError as exc:
                form.add_error("file", exc.message)
            else:
                if not result.created:
                    messages.info(request, _("这个文件已经导入过，未作任何改动。"))
                return redirect("lists:detail", result.batch.pk)
        status = 400
    batches = selectors.batches_for_user(user=user)[:100]
    return render(request, "lists/batch_list.html", {"form": form, "batches": batches}, status=status)


@scoped
def batch_detail(request: ScopedRequest, batch_id: int) -> HttpResponse:
    """Check the columns of an uploaded batch, follow its linking, or read its rows."""
    user = request.user
    batch = selectors.batch_get_for_user(user=user, batch_id=batch_id)
    headers = list(batch.summary.get("headers", [])) if batch.status == ListBatch.Status.UPLOADED else []
    form = MappingForm(request.POST or None, headers=headers, mapping=batch.mapping)
    if request.method == "POST":
        if not user.caps.upload_lists:
            raise PermissionDenied
        if batch.status == ListBatch.Status.UPLOADED and form.is_valid():
            list_batch_confirm(actor=user, batch=batch, mapping=form.mapping())
            return redirect("lists:detail", batch.pk)
    context: dict[str, object] = {"batch": batch, "form": form, "sample": batch.summary.get("sample", [])}
    if batch.status == ListBatch.Status.DONE:
        decision = request.GET.get("decision", "")
        page = selectors.batch_rows(batch=batch, decision=decision, page=request.GET.get("page"))
        caps = user.caps
        context.update(
            page=page,
            decision=decision,
            decisions=ListRow.Decision.choices,
            shown=[(row, *caps.identifiers(row.id_number, row.phone)) for row in page],
        )
    if request.htmx and batch.status in (ListBatch.Status.QUEUED, ListBatch.Status.RUNNING):
        return render(request, "lists/batch_detail.html#progress", context)
    return render(request, "lists/batch_detail.html", context)


@scoped
def review_list(request: ScopedRequest) -> HttpResponse:
    """List the rows waiting for a person to decide who they are."""
    rows = selectors.review_rows_for_user(user=request.user)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "lists/review_list.html", {"page": page})


@scoped
@requires("can_write")
def review_row(request: ScopedRequest, row_id: int) -> HttpResponse:
    """Show a row beside its candidates; link it to one of them or make it a new person."""
    user = request.user
    row = selectors.row_get_for_user(user=user, row_id=row_id)
    candidates = selectors.row_candidates(row=row, user=user)
    if request.method == "POST" and row.decision == ListRow.Decision.REVIEW:
        action = request.POST.get("action", "")
        chosen = {str(person.pk): person for _, person in candidates}
        if action == "new":
            list_row_new_person(actor=user, row=row)
            messages.success(request, _("已新建人员。"))
            return redirect("lists:review")
        if action in chosen:
            list_row_link(actor=user, row=row, person=chosen[action])
            messages.success(request, _("已确认为同一人。"))
            return redirect("lists:review")
    caps = user.caps
    shown = [
        (evidence, person, *caps.identifiers(person.id_number, person.phone))
        for evidence, person in candidates
    ]
    row_id_number, row_phone = caps.identifiers(row.id_number, row.phone)
    context = {"row": row, "shown": shown, "row_id_number": row_id_number, "row_phone": row_phone}
    return render(request, "lists/review_row.html", context)
