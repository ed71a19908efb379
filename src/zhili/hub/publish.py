"""How Zhili's own modules (mediation, grid, rental, emergency …) put their facts into the hub:
through the same validation, idempotency and versioning as a department system.

    from zhili.hub.publish import publish
    publish(module="mediation", department="justice",
            events=[{"source_id": f"case-{case.pk}-opened", "type": "dispute.mediation_case", ...}])
"""

from __future__ import annotations

from django.db import transaction

from zhili.core.errors import ZhiliError
from zhili.hub.ingest import Ingestion, Outcome
from zhili.hub.models import Channel, ImportMode
from zhili.hub.services import module_source
from zhili.hub.validation import RawItem

# The name each module's source goes by on the hub's pages (the source's code stays zhili.<module>).
MODULE_NAMES = {"mediation": "矛盾纠纷调解"}


class PublishError(ZhiliError):
    code = "publish_rejected"


def publish(*, module: str, department: str, events: list[dict], strict: bool = True) -> Ingestion:
    """Publish a module's events. With `strict`, a rejected event raises (the module has a bug:
    its own records should always be valid) and nothing of the call is kept. Call it inside the
    module's transaction (it joins it) or after commit; a re-publish of unchanged facts is a no-op."""
    name = f"治理 · {MODULE_NAMES.get(module, module)}"
    source = module_source(f"zhili.{module}", department_code=department, name=name)
    ingestion = Ingestion(
        source=source,
        channel=Channel.MODULE,
        mode=ImportMode.ATOMIC if strict else ImportMode.PARTIAL,
        submitted_by=f"module:{module}",
    )
    with transaction.atomic():
        ingestion.run(RawItem(i, e) for i, e in enumerate(events))
    if strict and ingestion.counts.rejected:
        bad = [r for r in ingestion.results if r.outcome == Outcome.REJECTED]
        raise PublishError(
            f"{module}: {bad[0].source_id}: {bad[0].field}: {bad[0].message}",
            details=[
                {"source_id": r.source_id, "field": r.field, "reason": r.reason, "message": r.message}
                for r in bad
            ],
        )
    return ingestion
