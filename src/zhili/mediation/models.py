"""Dispute mediation (矛盾纠纷多元化解): institutions and their mediators, routing rules, and the
case with its parties, team, messages, sessions, attachments, documents and signatures.

A case's life is an explicit state machine (django-fsm-2, `Case.state`, protected: only the
transitions in `zhili.mediation.workflow` move it, each under a conditional update so that two
people acting at once cannot both move it). Every move leaves a `Step` on the case's timeline.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField

from zhili.casework import models as kernel
from zhili.core.scope import ScopedQuerySet
from zhili.mediation.choices import (  # noqa: F401 - re-exported
    OPEN_STATES,
    Channel,
    DisputeType,
    DocumentKind,
    InstitutionKind,
    MemberRole,
    PartyRole,
    Referral,
    State,
)
from zhili.mediation.workflow import CaseWorkflow


class Institution(models.Model):
    """A body that mediates. It sits at a unit and covers the places under it."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=InstitutionKind.choices)
    unit = models.ForeignKey("geo.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    supervisor = models.ForeignKey(
        "self", verbose_name=_("supervising body"), null=True, blank=True, on_delete=models.SET_NULL,
        help_text=_("alerted when a case of this body is overdue"),
    )  # fmt: skip
    capacity = models.PositiveIntegerField(_("open cases it can carry"), default=60)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "unit__code"

    class Meta:
        verbose_name = _("mediation institution")
        verbose_name_plural = _("mediation institutions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Mediator(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="mediator"
    )
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="mediators"
    )
    is_head = models.BooleanField(
        _("heads the institution"), default=False, help_text=_("accepts and assigns cases")
    )
    specialties = models.JSONField(_("dispute types"), default=list, blank=True)
    max_cases = models.PositiveIntegerField(_("open cases at most"), default=15)
    is_active = models.BooleanField(_("active"), default=True)
    # The mediator's signing key, made when they first sign (private half sealed, see signing.py).
    public_key = models.BinaryField(null=True, blank=True, editable=False)
    sealed_private_key = models.BinaryField(null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()
    scope_path = "institution__unit__code"

    class Meta:
        verbose_name = _("mediator")
        verbose_name_plural = _("mediators")
        ordering = ["institution", "user__username"]

    def __str__(self) -> str:
        return f"{self.user.display_name or self.user.username} · {self.institution}"


class RoutingRule(models.Model):
    """Which institution takes a new case: the first active rule (lowest priority number) whose
    conditions all hold. A rule names an institution, or a kind of institution: then the one of
    that kind closest above the place (the deepest covering unit), least loaded first."""

    priority = models.PositiveIntegerField(_("priority"), default=100, help_text=_("lower goes first"))
    name = models.CharField(_("name"), max_length=100)
    dispute_types = models.JSONField(_("dispute types"), default=list, blank=True, help_text=_("empty: any"))
    min_amount = models.DecimalField(
        _("from amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    max_amount = models.DecimalField(
        _("below amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    unit_prefix = models.CharField(
        _("places under (unit code)"), max_length=15, blank=True, help_text=_("empty: the whole city")
    )
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), null=True, blank=True, on_delete=models.CASCADE
    )
    institution_kind = models.CharField(
        _("or kind of institution"), max_length=20, choices=InstitutionKind.choices, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(
                name="routing_rule_has_one_target",
                condition=(models.Q(institution__isnull=False) & models.Q(institution_kind=""))
                | (models.Q(institution__isnull=True) & ~models.Q(institution_kind="")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.priority} · {self.name}"


class Case(CaseWorkflow, kernel.CaseBase):
    """A mediation case on the casework kernel (number, place, state, opened/closed/due, clocks
    "accept" and "mediation", timeline, team, transfers, documents, signatures)."""

    state = FSMField(
        _("state"), max_length=20, choices=State.choices, default=State.SUBMITTED, protected=True
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    dispute_type = models.CharField(_("dispute type"), max_length=20, choices=DisputeType.choices)
    amount = models.DecimalField(
        _("amount involved (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    facts = models.TextField(_("facts"))
    claims = models.TextField(_("claims"))
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )  # fmt: skip
    routed_by = models.CharField(_("routed by"), max_length=120, blank=True)
    preferred_mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("mediator the applicant asked for"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    applicant_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("applicant's account"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    entered_by = models.CharField(_("entered by"), max_length=150, blank=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=64, db_index=True, editable=False)
    request_key = models.CharField(max_length=80, null=True, blank=True, unique=True, editable=False)
    external_ref = models.CharField(_("reference in the sending system"), max_length=80, blank=True)
    reason = models.TextField(_("last reason given"), blank=True)
    terms = models.JSONField(_("agreed terms"), default=list, blank=True)
    performance = models.CharField(_("how and when it is performed"), max_length=300, blank=True)
    agreed_amount = models.DecimalField(
        _("agreed amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    referral = models.CharField(_("referral"), max_length=20, choices=Referral.choices, blank=True)
    accept_due = models.DateTimeField(_("acceptance due"), null=True, blank=True)
    mediation_due = models.DateField(_("mediation due"), null=True, blank=True)
    extended_days = models.PositiveIntegerField(_("days of extension"), default=0)
    # the kernel's opening moment, in the column it always had
    opened_at = models.DateTimeField(
        _("submitted at"), auto_now_add=True, db_index=True, db_column="created_at"
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    overdue_alerted = models.DateField(_("overdue alert sent"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "unit__code"

    class Meta:
        verbose_name = _("mediation case")
        verbose_name_plural = _("mediation cases")
        ordering = ["-opened_at", "-id"]
        permissions = [
            ("assign_case", _("Can accept, decline and assign cases of their institution")),
            ("mediate_case", _("Can mediate the cases they are on")),
        ]
        indexes = [models.Index(fields=["state", "institution"])]

    def __str__(self) -> str:
        return self.number

    @property
    def created_at(self):
        """When the application came in (the kernel's `opened_at`)."""
        return self.opened_at


class Party(models.Model):
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=12, choices=PartyRole.choices)
    name = models.CharField(_("name"), max_length=100)
    gender = models.CharField(_("gender"), max_length=4, blank=True)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # fmt: skip
    # The party's signing key, made when they first sign (private half sealed, see signing.py).
    public_key = models.BinaryField(null=True, blank=True, editable=False)
    sealed_private_key = models.BinaryField(null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()
    scope_path = "case__unit__code"

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"


class Member(kernel.MemberBase):
    """Who works on a case, and since when (kernel.MemberBase: a role assumed and renounced;
    `case.members` is the team now). Only members (and the institution's heads) may act on it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mediation_cases"
    )
    role = models.CharField(_("role"), max_length=10, choices=MemberRole.choices)

    class Meta(kernel.MemberBase.Meta):
        verbose_name = _("case member")
        verbose_name_plural = _("case members")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"], condition=models.Q(renounced_at__isnull=True), name="one_membership_per_user"
            ),
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(role="lead", renounced_at__isnull=True),
                name="one_lead_mediator_per_case",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


STEP_LABELS = {
    "submit": pgettext_lazy("mediation step", "applied"), "accept": pgettext_lazy("mediation step", "accepted"), "decline": pgettext_lazy("mediation step", "declined"), "assign": pgettext_lazy("mediation step", "assigned"),
    "start": pgettext_lazy("mediation step", "mediation started"), "agree": pgettext_lazy("mediation step", "agreement recorded"), "fail": pgettext_lazy("mediation step", "closed as failed"),
    "withdraw": pgettext_lazy("mediation step", "withdrawn"), "refer": pgettext_lazy("mediation step", "referred"), "archive": pgettext_lazy("mediation step", "archived"), "sign": pgettext_lazy("mediation step", "signed"),
    "complete": pgettext_lazy("mediation step", "agreement signed by all"), "reassign": pgettext_lazy("mediation step", "reassigned"), "extend": pgettext_lazy("mediation step", "period extended"),
    "prefer": pgettext_lazy("mediation step", "mediator asked for"), "task": pgettext_lazy("mediation step", "task added"), "task_done": pgettext_lazy("mediation step", "task done"),
    "meeting": pgettext_lazy("mediation step", "session scheduled"), "overdue": pgettext_lazy("mediation step", "overdue"),
    "transfer_ask": pgettext_lazy("mediation step", "transfer asked"), "transfer_accept": pgettext_lazy("mediation step", "transfer accepted"),
    "transfer_refuse": pgettext_lazy("mediation step", "transfer refused"), "unrouted": pgettext_lazy("mediation step", "matched no routing rule"),
}  # fmt: skip


class Step(kernel.StepBase):
    """The timeline: every state change, with who, when and why (append-only)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")

    class Meta(kernel.StepBase.Meta):
        verbose_name = _("timeline step")
        verbose_name_plural = _("timeline steps")

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.source}→{self.target}"

    @property
    def action_label(self) -> str:
        return str(STEP_LABELS.get(self.action, self.action))

    @property
    def target_label(self) -> str:
        return str(State(self.target).label) if self.target in State.values else self.target


class Message(models.Model):
    """The case's thread. `private`: a mediators' note, never shown to the parties."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    author = models.CharField(_("author"), max_length=150)
    author_party = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("message"))
    private = models.BooleanField(_("mediators only"), default=False)
    at = models.DateTimeField(auto_now_add=True)

    scope_path = "case__unit__code"  # the admin shows a unit's own

    class Meta:
        verbose_name = _("case message")
        verbose_name_plural = _("case messages")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:40]}"


class Task(models.Model):
    """A to-do of the case's team: call a witness, fetch the wage records, visit the site."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=200)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned to"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    due = models.DateField(_("due"), null=True, blank=True)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    scope_path = "case__unit__code"  # the admin shows a unit's own

    class Meta:
        verbose_name = _("case task")
        verbose_name_plural = _("case tasks")
        ordering = ["done_at", "due", "id"]

    def __str__(self) -> str:
        return self.title


class Meeting(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_url = models.URLField(_("video meeting link"), blank=True)
    note = models.TextField(_("note"), blank=True)

    scope_path = "case__unit__code"  # the admin shows a unit's own

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.starts_at:%Y-%m-%d %H:%M}"


class Attachment(kernel.AttachmentBase):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="mediation/attachments/%Y/%m/")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")


class Document(kernel.DocumentBase):
    """A generated document. The agreement's `sha256` is what the parties sign; once all have
    signed, `signed_pdf` carries their signatures and `code`, and `signed_sha256` its hash."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=12, choices=DocumentKind.choices)
    docx = models.FileField(upload_to="mediation/documents/%Y/%m/")
    pdf = models.FileField(upload_to="mediation/documents/%Y/%m/")
    signed_pdf = models.FileField(upload_to="mediation/signed/%Y/%m/", blank=True)
    signed_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    code = models.CharField(_("verification code"), max_length=19, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("case document")
        verbose_name_plural = _("case documents")
        ordering = ["case", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "version"], name="one_document_version")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class Signature(kernel.SignatureBase):
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="signatures")
    party = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.PROTECT, related_name="signatures"
    )
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    image = models.BinaryField(null=True, blank=True)

    scope_path = "document__case__unit__code"  # the admin shows a unit's own

    class Meta(kernel.SignatureBase.Meta):
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["document", "party"], name="one_signature_per_party"),
            models.UniqueConstraint(fields=["document", "mediator"], name="one_signature_per_mediator"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} · {self.statement.get('signer_name', '')}"


class Clock(kernel.ClockBase):
    """The case's limits on the kernel's clocks: "accept" (72 hours from the application) and
    "mediation" (30 days from acceptance, extendable)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="clocks")

    class Meta(kernel.ClockBase.Meta):
        verbose_name = _("case deadline")
        verbose_name_plural = _("case deadlines")


class Transfer(kernel.TransferBase):
    """A case sent to another institution (codes of Institution), accepted or refused there."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transfers")

    class Meta(kernel.TransferBase.Meta):
        verbose_name = _("case transfer")
        verbose_name_plural = _("case transfers")
