from django.db import models
from django_fsm import FSMField, transition

from zhili.casework import models as kernel


class Pothole(kernel.CaseBase):
    state = FSMField(max_length=20, protected=True, default="reported")
    crew = models.CharField(max_length=60, blank=True)
    size_m2 = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)

    class Meta:
        app_label = "toycase"

    @transition(field="state", source="reported", target="assigned", custom={"label": "派单"})
    def assign(self):
        pass

    @transition(field="state", source="assigned", target="fixing")
    def start(self):
        pass

    @transition(field="state", source="fixing", target="fixed", custom={"label": "修复"})
    def fix(self):
        pass

    @transition(field="state", source=["fixed", "reported"], target="closed")
    def close(self):
        pass


class Step(kernel.StepBase):
    case = models.ForeignKey(Pothole, on_delete=models.CASCADE, related_name="steps")


class Member(kernel.MemberBase):
    case = models.ForeignKey(Pothole, on_delete=models.CASCADE, related_name="members")


class Clock(kernel.ClockBase):
    case = models.ForeignKey(Pothole, on_delete=models.CASCADE, related_name="clocks")


class Transfer(kernel.TransferBase):
    case = models.ForeignKey(Pothole, on_delete=models.CASCADE, related_name="transfers")


class Attachment(kernel.AttachmentBase):
    case = models.ForeignKey(Pothole, on_delete=models.CASCADE, related_name="attachments")


class Document(kernel.DocumentBase):
    case = models.ForeignKey(Pothole, on_delete=models.CASCADE, related_name="documents")


class Signature(kernel.SignatureBase):
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="signatures")


class Rule(kernel.RoutingRuleBase):
    pass
