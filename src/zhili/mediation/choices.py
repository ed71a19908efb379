"""The mediation app's fixed vocabularies, shared by the models and the workflow."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DisputeType(models.TextChoices):
    LABOUR = "labour", _("Labour and unpaid wages")
    NEIGHBOUR = "neighbour", _("Neighbours")
    FAMILY = "family", _("Marriage and family")
    PROPERTY_MANAGEMENT = "property_management", _("Property management")
    TRAFFIC = "traffic", _("Traffic accident")
    MEDICAL = "medical", _("Medical")
    FINANCIAL = "financial", _("Financial")
    CONSUMER = "consumer", _("Consumer")
    LAND = "land", _("Land")
    OTHER = "other", _("Other")


class InstitutionKind(models.TextChoices):
    PEOPLES = "peoples", _("People's mediation committee")
    COURT = "court", _("Court mediation")
    POLICE = "police", _("Police station mediation")
    TRAFFIC = "traffic", _("Traffic police accident mediation")
    WOMEN = "women", _("Women's federation")
    MEDICAL = "medical", _("Medical dispute mediation committee")
    FINANCIAL = "financial", _("Financial dispute mediation centre")
    LABOUR = "labour", _("Labour dispute mediation")


class State(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", pgettext_lazy("mediation case", "Accepted")
    DECLINED = "declined", _("Declined")
    ASSIGNED = "assigned", _("Assigned")
    IN_MEDIATION = "in_mediation", _("In mediation")
    AGREED = "agreed", _("Agreement reached")
    FAILED = "failed", _("Mediation failed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SIGNED = "signed", _("Signed")
    REFERRED = "referred", _("Referred to court")
    ARCHIVED = "archived", _("Archived")


class Channel(models.TextChoices):
    ONLINE = "online", _("Applied online")
    WALK_IN = "walk_in", _("Walk-in, entered by staff")
    HOTLINE = "hotline", _("12345 hotline")
    POLICE = "police", _("Police referral")


OPEN_STATES = (State.SUBMITTED, State.ACCEPTED, State.ASSIGNED, State.IN_MEDIATION, State.AGREED)


class Referral(models.TextChoices):
    COURT_CONFIRMATION = "court_confirmation", _("Judicial confirmation")
    LITIGATION = "litigation", _("Litigation")


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    RESPONDENT = "respondent", _("Respondent")
    THIRD = "third", _("Third party")


class MemberRole(models.TextChoices):
    LEAD = "lead", _("Lead mediator")
    CO = "co", _("Co-mediator")
    HELPER = "helper", _("Helper")
    OBSERVER = "observer", _("Observer")


class DocumentKind(models.TextChoices):
    APPLICATION = "application", _("Application for mediation")
    ACCEPTANCE = "acceptance", _("Acceptance registration form")
    AGREEMENT = "agreement", _("Mediation agreement")
