"""The abstract records of a case, and the one concrete table every module shares (Sequence).

A module subclasses these and adds what only it knows; each record's `case` foreign key is
declared by the module (its target is the module's own case), with the related names the kernel
reads: steps, messages, tasks, meetings, attachments, documents, members, clocks, transfers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField

from zhili.core.scope import ScopedQuerySet


class Sequence(models.Model):
    """The last number given per prefix and year: TJ-2026-000123. Taken under a row lock."""

    prefix = models.CharField(_("prefix"), max_length=8)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("case number sequence")
        verbose_name_plural = _("case number sequences")
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="one_sequence_per_year")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class CaseBase(ConcurrentTransitionMixin, models.Model):
    """A case: its number, place, state, and times. `state` is protected: only the module's
    transitions move it, through services.transition, under a conditional update."""

    number = models.CharField(_("case number"), max_length=24, unique=True)
    state = FSMField(_("state"), max_length=20, protected=True, db_index=True)
    unit = models.ForeignKey("geo.Unit", verbose_name=_("place"), on_delete=models.PROTECT, related_name="+")
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), default=None, null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "unit__code"

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.number


class StepBase(models.Model):
    """The timeline (append-only): every move, handover, clock event, with who, when and why."""

    at = models.DateTimeField(_("time"), auto_now_add=True)
    action = models.CharField(_("action"), max_length=30)
    source = models.CharField(_("from"), max_length=20, blank=True)
    target = models.CharField(_("to"), max_length=20, blank=True)
    actor = models.CharField(_("by"), max_length=150)
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    scope_path = "case__unit__code"

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.source}→{self.target}"


class MessageBase(models.Model):
    """The thread: messages, and private notes only the team sees."""

    author = models.CharField(_("author"), max_length=150)
    body = models.TextField(_("message"))
    private = models.BooleanField(_("team only"), default=False)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    scope_path = "case__unit__code"

    class Meta:
        abstract = True
        ordering = ["at", "id"]


class TaskBase(models.Model):
    title = models.CharField(_("task"), max_length=200)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    due = models.DateField(_("due"), null=True, blank=True)
    created_by = models.CharField(_("created by"), max_length=150)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    scope_path = "case__unit__code"

    class Meta:
        abstract = True


class MeetingBase(models.Model):
    """A meeting in a room or by video link."""

    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_url = models.URLField(_("video meeting link"), blank=True)
    note = models.TextField(_("note"), blank=True)

    scope_path = "case__unit__code"

    class Meta:
        abstract = True
        ordering = ["starts_at"]


class AttachmentBase(models.Model):
    """A file checked by attachments.check (type by content, size, count per case)."""

    file = models.FileField(_("file"), upload_to="casework/attachments/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.CharField(_("uploaded by"), max_length=150)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    scope_path = "case__unit__code"

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


class DocumentBase(models.Model):
    """A document generated from the module's Word template: DOCX and PDF of the same render.
    `sha256` (of the PDF) is what signatures sign."""

    kind = models.CharField(_("kind"), max_length=20)
    version = models.PositiveIntegerField(_("version"), default=1)
    docx = models.FileField(upload_to="casework/documents/%Y/%m/")
    pdf = models.FileField(upload_to="casework/documents/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_path = "case__unit__code"

    class Meta:
        abstract = True
        ordering = ["kind", "-version"]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"


class SignatureBase(models.Model):
    """An Ed25519 signature of a statement naming a document by its hash and its signer
    (signing.py). The module adds the document foreign key (related name "signatures") and who
    signed, as it knows them (a party, a mediator, a landlord …)."""

    statement = models.JSONField()
    signature = models.BinaryField()
    public_key = models.BinaryField()
    signed_at = models.DateTimeField(_("signed at"))

    class Meta:
        abstract = True
        ordering = ["signed_at", "id"]


class CurrentMembers(models.Manager):
    """The team now: the roles not renounced (`case.members`); `Model.history` has every row."""

    def get_queryset(self):
        return super().get_queryset().filter(renounced_at__isnull=True)


class MemberBase(models.Model):
    """A role on a case, held from `assumed_at` until `renounced_at`: every handover of a lead or
    a commander stays on record. `objects` (and so `case.members`) is the current team,
    `history` every row."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("role"), max_length=20)
    assumed_at = models.DateTimeField(_("assumed at"), default=timezone.now)
    renounced_at = models.DateTimeField(_("renounced at"), null=True, blank=True)
    assumed_by = models.CharField(_("given by"), max_length=150, blank=True)

    scope_path = "case__unit__code"
    objects = CurrentMembers()
    history = models.Manager()  # noqa: DJ012 - a second manager, not a field

    class Meta:
        abstract = True
        ordering = ["assumed_at", "id"]

    def __str__(self) -> str:
        return f"{self.user} · {self.role}"


class ClockBase(models.Model):
    """One limit running on a case (acceptance, handling, rectification …), clocks.py decides
    the moments. Paused: `left` holds what remained, in the limit's unit."""

    name = models.CharField(_("limit"), max_length=30)
    amount = models.PositiveIntegerField(_("amount"))
    unit = models.CharField(_("unit"), max_length=16)
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    left = models.FloatField(_("left when paused"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    extensions = models.JSONField(_("extensions"), default=list, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    scope_path = "case__unit__code"

    class Meta:
        abstract = True
        ordering = ["started_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} {self.amount} {self.unit}"


class TransferBase(models.Model):
    """A case sent to another organisation: asked with a reason, then accepted or refused by
    the receiver; the history stays."""

    class Answer(models.TextChoices):
        PENDING = "pending", _("waiting for an answer")
        ACCEPTED = "accepted", _("accepted")
        REFUSED = "refused", _("refused")

    from_org = models.CharField(_("from"), max_length=60)
    to_org = models.CharField(_("to"), max_length=60)
    reason = models.TextField(_("reason"))
    asked_by = models.CharField(_("asked by"), max_length=150)
    asked_at = models.DateTimeField(_("asked at"))
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices, default=Answer.PENDING)
    answered_by = models.CharField(_("answered by"), max_length=150, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer_reason = models.TextField(_("reason of the answer"), blank=True)

    scope_path = "case__unit__code"

    class Meta:
        abstract = True
        ordering = ["asked_at", "id"]


class RoutingRuleBase(models.Model):
    """A routing rule as data: the first active rule (by priority) whose `match` holds for the
    case's declared attributes sends it to `target` (an organisation code) or, when that is
    empty, to the nearest organisation of `target_kind` covering the case's place."""

    priority = models.PositiveIntegerField(_("priority"), default=100, help_text=_("lower goes first"))
    name = models.CharField(_("name"), max_length=100)
    match = models.JSONField(
        _("conditions"), default=dict, blank=True,
        help_text=_('attribute → value, list of values, or {"min": …, "max": …}; "unit" matches a code prefix'),
    )  # fmt: skip
    target = models.CharField(_("organisation"), max_length=60, blank=True)
    target_kind = models.CharField(_("kind of organisation"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return self.name
