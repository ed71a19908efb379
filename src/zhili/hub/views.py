"""Pages of the hub: data quality per department, uploading a file, one delivery's outcome."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy

from zhili.core.errors import ZhiliError
from zhili.core.scope import get_scoped, scoped
from zhili.hub import files, selectors
from zhili.hub.models import Delivery, ImportMode, Source
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


class UploadForm(forms.Form):
    source = forms.ModelChoiceField(queryset=Source.objects.none(), label=gettext_lazy("Source system"))
    mode = forms.ChoiceField(
        choices=ImportMode.choices, initial=ImportMode.PARTIAL, label=gettext_lazy("Mode")
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV, XLSX, JSON lines or Parquet; times with a zone (+08:00)"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = (
            Source.objects.for_actor(user)
            .exclude(code__startswith="zhili.")
            .exclude(code__startswith="demo.")
            .order_by("code")
        )


@login_required
def upload(request):
    if not request.user.has_perm("hub.submit_event"):
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            delivery = files.import_upload(
                upload=form.cleaned_data["file"],
                source=form.cleaned_data["source"],
                mode=form.cleaned_data["mode"],
                mapping_name="default",
                submitted_by=request.user.get_username(),
            )
        except ZhiliError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("hub:delivery", delivery_id=delivery.pk)
    return render(request, "hub/upload.html", {"form": form, "accepted": files.ACCEPTED})


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
