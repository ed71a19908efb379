"""Casework: what every case-based module is made of (mediation today; the grid's closed loop,
emergency incidents, hazard notices and penalty cases next). A module declares its case and the
records hanging off it as subclasses of the abstract models here, registers a `CaseType`
(registry.py), and moves its cases only through `services.transition`.

    models.py       CaseBase and the records of a case: StepBase (timeline), MessageBase
                    (thread), TaskBase, MeetingBase, AttachmentBase, DocumentBase,
                    SignatureBase, MemberBase (roles assumed and renounced), ClockBase,
                    TransferBase, RoutingRuleBase; Sequence (case numbers)
    clocks.py       deadlines on the statutory calendar (hours, working hours, calendar days,
                    working days; pause, resume, extend)
    registry.py     CaseType: a module's prefix, limits, hub facts and hooks; checked at start-up
    services.py     transition, step, team, clocks, overdue escalation, transfers, hub facts
    routing.py      routing rules as data, with a preview
    attachments.py  upload checks (type by content, size, count)
    documents.py    Word templates (docxtpl) → DOCX and PDF, office overrides
    signing.py      Ed25519 signatures over a document's hash, with a public check
"""
