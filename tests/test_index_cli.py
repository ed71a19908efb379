"""`zhili index …` on the command line: runs, their idempotence, and clear refusals."""

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.test_index_engine import definition


@pytest.fixture
def stored(march):
    from zhili.index.services import save_definition

    save_definition(text=yaml.safe_dump(definition().raw, allow_unicode=True), actor_username="test")


@pytest.fixture
def march(settings, tmp_path, hub):
    from tests.conftest import OTHER_TOWN, OWN_TOWN
    from tests.index_lake import ev, write_lake

    settings.LAKE_DIR = str(tmp_path / "lake")
    write_lake(
        [ev("police.burglary", "2026-03-03", OWN_TOWN), ev("police.burglary", "2026-03-06", OTHER_TOWN)]
    )


def test_run_then_run_again_writes_nothing_new(stored, capsys):
    from zhili.index.models import Run

    call_command("index", "run", "--definition", "t", "--period", "month", "--date", "2026-03", "--publish")
    first = capsys.readouterr().out
    call_command("index", "run", "--definition", "t", "--period", "month", "--date", "2026-03")
    again = capsys.readouterr().out
    assert Run.objects.count() == 1
    row = Run.objects.get()
    assert row.frozen and row.outcomes_count == 6 and row.created_by.startswith("cli:")
    assert f"{row.pk}" in first and str(row.revision) in again
    assert again != first  # the second says it is unchanged


def test_bad_input_is_refused_with_the_field(stored):
    with pytest.raises(CommandError) as err:
        call_command("index", "run", "--definition", "t", "--period", "month", "--date", "2026-13")
    assert "2026-13" in str(err.value) and "field=date" in str(err.value)
    with pytest.raises(CommandError) as err:
        call_command("index", "run", "--definition", "nope", "--period", "day", "--date", "2026-03-01")
    assert "nope" in str(err.value)


def test_validate_names_the_node_of_a_bad_definition(tmp_path, hub):
    raw = definition().raw
    raw["children"][1]["weight"] = 0.5  # 0.6 + 0.5
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CommandError) as err:
        call_command("index", "validate", str(path))
    assert "bad.yaml" in str(err.value) and "path=t" in str(err.value)
