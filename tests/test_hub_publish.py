"""Zhili's own modules publish through the same checks as a department system."""

import pytest
from django.db import transaction

from tests.conftest import OWN_VILLAGE
from zhili.hub.models import Event, Source
from zhili.hub.publish import PublishError, publish


def case(sid: str, **over) -> dict:
    item = {
        "source_id": sid,
        "type": "police.homicide",
        "occurred_at": "2026-10-01T01:00:00+08:00",
        "unit_code": OWN_VILLAGE,
        "fields": {"deaths": 1},
    }
    item.update(over)
    return item


def test_a_module_publishes_and_a_republish_of_the_same_fact_is_a_no_op(hub):
    first = publish(module="casework", department="public_security", events=[case("case-1")])
    again = publish(module="casework", department="public_security", events=[case("case-1")])
    assert (first.counts.accepted, again.counts.duplicate) == (1, 1)
    assert Source.objects.get(code="zhili.casework").department.code == "public_security"
    changed = publish(
        module="casework", department="public_security", events=[case("case-1", fields={"deaths": 2})]
    )
    assert changed.counts.corrected == 1
    assert Event.objects.current().get().deaths == 2


def test_a_bad_event_from_a_module_raises_and_keeps_nothing(hub):
    with pytest.raises(PublishError) as err:
        publish(
            module="casework", department="public_security", events=[case("ok"), case("bad", unit_code="1")]
        )
    assert err.value.details[0]["source_id"] == "bad"
    assert err.value.details[0]["reason"] == "unknown_unit"
    assert Event.objects.count() == 0


def test_publishing_inside_a_module_transaction_rolls_back_with_it(hub):
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(module="casework", department="public_security", events=[case("case-9")])
        raise RuntimeError("the module's own write failed")
    assert Event.objects.count() == 0


def test_a_module_cannot_publish_another_departments_types(hub):
    with pytest.raises(PublishError) as err:
        publish(module="firework", department="fire_rescue", events=[case("x")])
    assert err.value.details[0]["reason"] == "type_not_allowed"


def test_editing_a_type_in_the_admin_makes_a_new_version(personas, hub):
    from tests.conftest import client_for
    from zhili.hub.models import EventType

    burglary = EventType.objects.get(code="police.burglary")
    client = client_for(personas["system_admin"])
    form = client.get(f"/admin/hub/eventtype/{burglary.pk}/change/")
    assert form.status_code == 200
    data = {
        "code": burglary.code,
        "name": "入室盗窃",
        "name_en": "Burglary",
        "department": burglary.department_id,
        "family": "police",
        "fields": '[{"name": "category", "type": "category", "choices": ["day", "night"]}]',
        "indicators": '["star.burglary"]',
        "is_active": "on",
        "versions-TOTAL_FORMS": "0",
        "versions-INITIAL_FORMS": "0",
    }
    response = client.post(f"/admin/hub/eventtype/{burglary.pk}/change/", data)
    assert response.status_code == 302, (
        [str(e) for e in response.context["adminform"].form.errors.items()] if response.context else ""
    )
    burglary.refresh_from_db()
    assert (burglary.version, burglary.name) == (2, "入室盗窃")
    assert list(burglary.versions.values_list("version", "changed_by")) == [(2, "system_admin_a")]
