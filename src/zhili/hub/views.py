"""Pages of the hub: data quality per department, uploading a file, one delivery's outcome."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from zhili.core.errors import ZhiliError
from zhili.core.scope import actor_may, get_scoped, scoped
from zhili.hub import files, selectors, services
from zhili.hub.forms import ColumnMappingForm, UploadForm
from zhili.hub.models import ColumnMapping, Delivery
from zhili.hub.validation import reason_label


@login_required
def quality(request):
    scoped(request.user, Delivery)
    try:
        day = date.fromisoformat(request.GET["day"]) if request.GET.get("day") else selectors.today()
    except ValueError:
        raise Http404 from None
    rows = selectors.quality(day=day, actor=request.user)
    for row in rows:
        row["reasons"] = [(reason_label(code), n) for code, n in row["rejected_by_reason"].items()]
    deliveries = scoped(request.user, Delivery).filter(received_date=day).select_related("source")[:50]
    totals = {k: sum(r[k] for r in rows) for k in ("received", "accepted", "rejected", "late")}
    return render(
        request, "hub/quality.html", {"day": day, "rows": rows, "deliveries": deliveries, "totals": totals}
    )


@login_required
def upload(request):
    """The upload form, and beside it a form to save a new column mapping for the next files."""
    if not request.user.has_perm("hub.submit_event"):
        raise PermissionDenied
    saving = request.method == "POST" and "save_mapping" in request.POST
    uploading = request.method == "POST" and not saving
    form = UploadForm(
        request.POST if uploading else None,
        request.FILES if uploading else None,
        user=request.user,
        initial={k: request.GET[k] for k in ("source", "mapping") if request.GET.get(k, "").isdigit()},
    )
    mapping_form = None
    if actor_may(request.user, ColumnMapping, "add"):
        mapping_form = ColumnMappingForm(request.POST if saving else None, user=request.user, prefix="m")
    if saving and mapping_form is not None and mapping_form.is_valid():
        mapping = services.save_column_mapping(actor=request.user, **mapping_form.cleaned_data)
        return _mapping_saved(request, mapping)
    if uploading and form.is_valid():
        try:
            delivery = files.import_upload(
                upload=form.cleaned_data["file"],
                source=form.cleaned_data["source"],
                mode=form.cleaned_data["mode"],
                mapping=form.cleaned_data["mapping"],
                submitted_by=request.user.get_username(),
            )
        except ZhiliError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("hub:delivery", delivery_id=delivery.pk)
    context = {"form": form, "mapping_form": mapping_form, "accepted": files.ACCEPTED}
    return render(request, "hub/upload.html", context)


def _mapping_saved(request, mapping: ColumnMapping):
    messages.success(
        request,
        _("Column mapping “%(name)s” of %(source)s saved")
        % {"name": mapping.name, "source": mapping.source.code},
    )
    return redirect(f"{reverse('hub:upload')}?source={mapping.source_id}&mapping={mapping.pk}")


@login_required
def delivery(request, delivery_id: int):
    d = get_scoped(request.user, Delivery, pk=delivery_id)
    rejections = list(d.rejections.order_by("line", "id")[:200])
    for r in rejections:
        r.reason_label = reason_label(r.reason)
    return render(request, "hub/delivery.html", {"d": d, "rejections": rejections})


@login_required
def delivery_errors(request, delivery_id: int):
    d = get_scoped(request.user, Delivery, pk=delivery_id)
    response = HttpResponse(files.error_csv(d), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="delivery-{d.pk}-errors.csv"'
    return response
