"""What the case pages tell people in words: what happens next in each state (for the parties,
who do not know the procedure), what an irreversible action will do before it is taken, and
what was just done. Kept apart from the views so that the wording is read and translated in one
place."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from zhili.mediation.choices import State

# For the parties: where their case stands and what comes next, in plain words.
NEXT = {
    State.SUBMITTED: _(
        "Your application has reached the mediation committee. Within three days it decides "
        "whether it takes the case; you get a text message either way."
    ),
    State.ACCEPTED: _(
        "The committee has taken your case and will name a mediator soon. You may ask for a mediator below."
    ),
    State.ASSIGNED: _(
        "A mediator has been named. They will call you and the other party to agree on a time "
        "for a mediation session."
    ),
    State.IN_MEDIATION: _(
        "Mediation is under way. Come to the sessions listed on this page; write in the messages "
        "if something changes. Mediation usually ends within 30 days."
    ),
    State.AGREED: _(
        "An agreement has been written down. Read it, then sign it on this page. It takes effect "
        "when everyone has signed."
    ),
    State.SIGNED: _(
        "Everyone has signed; the agreement is binding. Keep its PDF: anyone can check it on the "
        "page for checking agreements with the code printed on it. You may ask a court to confirm "
        "it, which makes it enforceable."
    ),
    State.DECLINED: _(
        "The committee could not take the case; the reason is below. You may apply to another "
        "body, or go to court."
    ),
    State.FAILED: _(
        "Mediation ended without an agreement. You may go to court or to arbitration; the "
        "documents of this case stay available here."
    ),
    State.WITHDRAWN: _("The application was withdrawn. To mediate again, make a new application."),
    State.REFERRED: _("The case has been passed on to the court; the court will contact you."),
    State.ARCHIVED: _("The case is closed and archived. Its documents stay available here."),
}

# For whoever is about to take an irreversible step: what it will do.
CONFIRM = {
    "withdraw": (
        _("Withdraw the application?"),
        _(
            "The case ends: the committee stops working on it and the other party is no longer "
            "asked to take part. This cannot be undone; to mediate again you would make a new "
            "application."
        ),
        _("Yes, withdraw"),
    ),
    "decline": (
        _("Decline the case?"),
        _(
            "The case ends without mediation. The parties are told by text message, with the "
            "reason you give. This cannot be undone."
        ),
        _("Yes, decline"),
    ),
    "fail": (
        _("Close the mediation as failed?"),
        _(
            "The case ends without an agreement and counts as not settled in the figures. The "
            "parties may then go to court. This cannot be undone."
        ),
        _("Yes, close as failed"),
    ),
    "refer": (
        _("Refer the case to the court?"),
        _(
            "The case leaves mediation: the court takes it, for judicial confirmation or for "
            "litigation. This cannot be undone."
        ),
        _("Yes, refer"),
    ),
    "archive": (
        _("Archive the case?"),
        _("The case is closed for good: nothing can be added or changed afterwards."),
        _("Yes, archive"),
    ),
}
IRREVERSIBLE = frozenset(CONFIRM)

# After a step: a line at the top of the case page.
DONE = {
    "accept": _("Case %(number)s accepted. Name its mediator next."),
    "decline": _("Case %(number)s declined; the parties are told by text message."),
    "assign": _("Mediator of case %(number)s named."),
    "start": _("Mediation of case %(number)s started."),
    "agree": _("Agreement of case %(number)s recorded; it awaits the signatures."),
    "fail": _("Case %(number)s closed as failed."),
    "withdraw": _("Case %(number)s withdrawn."),
    "refer": _("Case %(number)s referred to the court."),
    "archive": _("Case %(number)s archived."),
}
