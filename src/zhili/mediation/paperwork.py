"""A case's documents and signatures: generate the application, the acceptance form and the
agreement (DOCX + PDF, `documents`), let each party and the lead mediator sign the agreement
(Ed25519, `signing`), and check a signed PDF or its code.

The parties sign the SHA-256 of the agreement's PDF as they were shown it: a signature sent for
any other hash (the agreement changed since, or was altered) is refused. When the last signature
is in, the agreement gets its signatures page and verification code, the case becomes signed,
and the hub hears of the settlement."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.casework import services as kernel
from zhili.casework import signing
from zhili.core.audit import record
from zhili.core.dates import day_label
from zhili.core.errors import Conflict, Forbidden, NotFound
from zhili.core.masking import mask_id_number, mask_phone
from zhili.core.models import AuditAction
from zhili.mediation import documents
from zhili.mediation.choices import DocumentKind, MemberRole, State
from zhili.mediation.models import Case, Document, Mediator, Signature


def _date(moment: datetime | None) -> str:
    """The documents' dates, 2026年11月3日, as the index's day periods write them."""
    if moment is None:
        return ""
    return day_label(timezone.localdate(moment))


def _person(user) -> str:
    return getattr(user, "display_name", "") or user.get_username()


def context(case: Case) -> dict:
    """The documents' data (see zhili.mediation.documents): the full ID numbers and phones, as
    the paper forms carry them; the files are only served to the case's own people."""
    team = case.members.select_related("user").order_by("id")
    labels = dict(MemberRole.choices)
    mediators = "、".join(
        f"{_person(m.user)}（{labels[m.role]}）" for m in team if m.role != MemberRole.OBSERVER
    )
    accepted = case.steps.filter(action="accept").first()
    return {
        "case": {
            "number": case.number, "type_label": case.get_dispute_type_display(),
            "amount": f"{case.amount:,.2f}" if case.amount is not None else "",
            "place": case.unit.name if case.unit_id else "", "facts": case.facts, "claims": case.claims,
            "channel_label": case.get_channel_display(), "submitted_on": _date(case.created_at),
            "accepted_on": _date(case.accepted_at), "acceptance_note": accepted.reason if accepted else "",
            "registered_by": accepted.actor if accepted else "",
            "institution": case.institution.name if case.institution_id else "", "mediators": mediators,
        },
        "parties": [
            {"role_label": p.get_role_display(), "name": p.name, "gender": p.gender, "id_number": p.id_number,
             "phone": p.phone, "address": p.address}
            for p in case.parties.all()
        ],
        "terms": list(case.terms or []), "performance": case.performance,
        "copies": case.parties.count() + 1, "today": _date(timezone.now()),
    }  # fmt: skip


def generate(*, case: Case, kind: str) -> Document:
    """A new version of one document of the case, as DOCX and PDF."""
    data = context(case)
    docx = documents.render_docx(kind, data)
    pdf = documents.docx_to_pdf(docx)
    version = (Document.objects.filter(case=case, kind=kind).aggregate(v=Max("version"))["v"] or 0) + 1
    doc = Document(case=case, kind=kind, version=version, sha256=signing.sha256_hex(pdf))
    stem = f"{case.number}-{kind}-v{version}"
    doc.docx.save(f"{stem}.docx", ContentFile(docx), save=False)
    doc.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
    doc.save()
    return doc


def latest(case: Case, kind: str) -> Document | None:
    return Document.objects.filter(case=case, kind=kind).order_by("-version").first()


def _identity(case: Case, secret: str) -> str:
    """Who signs, bound to the case without writing their ID number into the statement."""
    return "sha256:" + hashlib.sha256(f"{case.number}|{secret}".encode()).hexdigest()[:32]


def sign(*, case: Case, actor, document_sha256: str, image: bytes | None = None) -> Signature:
    """The actor's signature on the case's agreement: a party of the case, or its lead mediator."""
    from zhili.mediation.selectors import member_role, party_of

    doc = latest(case, DocumentKind.AGREEMENT)
    if doc is None and case.state == State.AGREED:
        doc = generate(case=case, kind=DocumentKind.AGREEMENT)  # nobody has read it: the hash will differ
    if case.state != State.AGREED or doc is None:
        raise Conflict(_("there is no agreement waiting for signatures"), code="illegal_transition")
    if document_sha256 != doc.sha256:
        raise Conflict(
            _(
                "the agreement you signed is not the current one (its SHA-256 differs); reload and read it again"
            ),
            code="document_changed",
        )
    party = party_of(case, actor)
    lead = member_role(case, actor) == MemberRole.LEAD and not actor.is_superuser
    if party is None and not lead:
        raise Forbidden(_("only the parties and the lead mediator sign the agreement"))
    if image is not None and not image.startswith(b"\x89PNG\r\n\x1a\n"):
        raise Conflict(_("the handwritten signature must be a PNG image"), code="invalid_image")
    holder = party if party is not None else Mediator.objects.get(user=actor)
    with transaction.atomic():
        holder = type(holder).objects.select_for_update().get(pk=holder.pk)
        if holder.sealed_private_key is None:
            key = signing.new_key()
            holder.public_key, holder.sealed_private_key = key.public_key, key.sealed_private_key
            holder.save(update_fields=["public_key", "sealed_private_key"])
        if doc.signatures.filter(**({"party": party} if party else {"mediator": actor})).exists():
            raise Conflict(_("you have already signed this agreement"), code="already_signed")
        now = timezone.now()
        if party is not None:
            who, role, secret = party.name, party.get_role_display(), party.id_number or party.phone
        else:
            who, role, secret = _person(actor), str(MemberRole.LEAD.label), f"user:{actor.get_username()}"
        stmt = signing.statement(
            document_sha256=doc.sha256, case_number=case.number, signer_name=who,
            signer_id=_identity(case, secret), role=role, signed_at=timezone.localtime(now),
        )  # fmt: skip
        sig = Signature.objects.create(
            document=doc, party=party, mediator=None if party else actor, statement=stmt,
            signature=signing.sign(bytes(holder.sealed_private_key), stmt), public_key=bytes(holder.public_key),
            image=image, signed_at=now,
        )  # fmt: skip
        case.steps.create(action="sign", source=case.state, target=case.state, actor=actor.get_username(),
                          details={"signer": who, "role": role})  # fmt: skip
        record(
            actor=actor, action=AuditAction.CHANGE, obj=case, details={"action": "sign", "document": doc.pk}
        )
        if _all_signed(case, doc):
            _finish(case, doc, actor)
    return sig


def _all_signed(case: Case, doc: Document) -> bool:
    parties = set(case.parties.values_list("pk", flat=True))
    signed = set(doc.signatures.exclude(party=None).values_list("party_id", flat=True))
    return parties <= signed and doc.signatures.filter(mediator__isnull=False).exists()


def _finish(case: Case, doc: Document, actor) -> None:
    """The last signature: the case is signed (the kernel's transition, its outcome published to
    the hub), and after commit the agreement gets its signatures page and verification code."""
    kernel.transition(case, "complete", actor, check_permission=False, after=lambda case: stamp(case, doc))


def stamp(case: Case, doc: Document) -> None:
    """The signed agreement: the PDF with a page of its signatures and its verification code.
    Idempotent: a document already stamped is left alone."""
    from zhili.mediation.services import public_url

    doc.refresh_from_db()
    if doc.code:
        return
    entries, images = [], {}
    for i, s in enumerate(doc.signatures.select_related("party")):
        masked = mask_id_number(s.party.id_number) or mask_phone(s.party.phone) if s.party else ""
        entries.append({"statement": s.statement, "signature": bytes(s.signature), "masked_id": masked or ""})
        if s.image:
            images[i] = bytes(s.image)
    code = signing.verification_code(f"{doc.sha256}|{case.number}".encode())
    stamped = signing.stamp_pdf(
        doc.pdf.read(), title=f"{documents.TITLES['agreement']} {case.number}", signatures=entries, code=code,
        verify_url=public_url("/m/verify/"),
        images=images,
    )  # fmt: skip
    doc.signed_pdf.save(
        f"{case.number}-agreement-v{doc.version}-signed.pdf", ContentFile(stamped), save=False
    )
    doc.signed_sha256, doc.code = signing.sha256_hex(stamped), code
    doc.save(update_fields=["signed_pdf", "signed_sha256", "code"])


# --- checking ------------------------------------------------------------------------------

VALID, ALTERED, UNKNOWN = "valid", "altered", "unknown"


def _signatures_hold(doc: Document) -> bool:
    sigs = list(doc.signatures.all())
    return bool(sigs) and all(
        s.statement.get("document_sha256") == doc.sha256
        and signing.verify(bytes(s.public_key), s.statement, bytes(s.signature))
        for s in sigs
    )


def verify(*, pdf: bytes | None = None, code: str | None = None) -> dict:
    """valid: a signed agreement we issued, unchanged, every signature holding; altered: it
    carries one of our codes but its bytes (or a stored signature) differ; unknown: neither."""
    doc = None
    if pdf is not None:
        doc = Document.objects.filter(signed_sha256=signing.sha256_hex(pdf)).exclude(signed_sha256="").first()
        if doc is None:
            found = signing.read_code(pdf)
            if found and Document.objects.filter(code=found).exists():
                return {"result": ALTERED, "code": found}
            return {"result": UNKNOWN}
    elif code is not None:
        wanted = signing.normalise_code(code)
        doc = Document.objects.filter(code=wanted).first() if wanted else None
    if doc is None:
        return {"result": UNKNOWN}
    if not _signatures_hold(doc):
        return {"result": ALTERED, "code": doc.code}
    return {
        "result": VALID, "code": doc.code, "case_number": doc.case.number, "title": documents.TITLES["agreement"],
        "signed_sha256": doc.signed_sha256,
        "signers": [
            {"name": _initial(s.statement["signer_name"]), "role": s.statement["role"], "signed_at": s.statement["signed_at"]}
            for s in doc.signatures.all()
        ],
    }  # fmt: skip


def due(case: Case, kind: str) -> bool:
    """Whether the case has come far enough for this document."""
    if kind == DocumentKind.APPLICATION:
        return True
    if kind == DocumentKind.ACCEPTANCE:
        return case.accepted_at is not None
    return bool(case.terms)


def _initial(name: str) -> str:
    """张伟 → 张*: enough to recognise, not to identify, on a public page."""
    return name[:1] + "*" * max(len(name) - 1, 1)


def document_for(*, case: Case, actor, kind: str, fmt: str) -> tuple[bytes, str]:
    """The latest file of a document for the case's own people; reads are audited."""
    from zhili.mediation.selectors import member_role, party_of

    if member_role(case, actor) is None and party_of(case, actor) is None:
        raise Forbidden(_("only the parties and the case's team open its documents"))
    doc = latest(case, kind)
    if doc is None and due(case, kind):
        doc = generate(case=case, kind=kind)  # a bulk-loaded case: written when first opened
    if doc is None:
        raise NotFound(_("this document has not been made yet"))
    field = {"docx": doc.docx, "pdf": doc.signed_pdf or doc.pdf}[fmt]
    record(actor=actor, action=AuditAction.VIEW_PERSONAL, obj=case, details={"document": kind, "format": fmt})
    with field.open("rb") as f:
        return f.read(), field.name.rsplit("/", 1)[-1]


def document_response(*, case: Case, actor, kind: str, fmt: str, inline: bool = False):
    """The file as an HTTP answer, for the API and the case page alike."""
    from django.http import HttpResponse

    from zhili.mediation.services import ATTACHMENT_TYPES

    data, name = document_for(case=case, actor=actor, kind=kind, fmt=fmt)
    response = HttpResponse(data, content_type=ATTACHMENT_TYPES[f".{fmt}"][0])
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{name}"'
    return response
