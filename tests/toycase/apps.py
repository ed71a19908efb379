"""A toy case type that exists only in the tests: a pothole reported, assigned, fixed and
closed, with its own states and transitions, to walk the whole casework kernel without any
module's rules in the way (tests/test_casework_kernel.py)."""

from django.apps import AppConfig


class ToycaseConfig(AppConfig):
    name = "tests.toycase"
    label = "toycase"

    def ready(self):
        from zhili.casework.registry import CaseType, register

        def may(actor, case, action):
            return getattr(actor, "username", "") != "outsider"

        def supervisors(case):
            from django.contrib.auth import get_user_model

            return list(get_user_model().objects.filter(username="toy_supervisor"))

        def intake_desk(case):
            from django.contrib.auth import get_user_model

            return list(get_user_model().objects.filter(username="toy_desk"))

        register(CaseType(
            code="toycase", model="toycase.Pothole", prefix="KW", department="city_management",
            limits={"accept": "4 working_hours", "fix": "5 working_days", "reply": "15 calendar_days"},
            limit_labels={"accept": "受理", "fix": "修复", "reply": "答复"},
            closed_states={"closed"},
            facts={"opened": "city_management.clutter", "closed": "city_management.clutter"},
            fact_fields=lambda case, what: (
                {"found_by": "citizen"} if what == "opened" else {"closed_in_time": case.due_at is None or case.closed_at <= case.due_at}
            ),
            supervisors=supervisors, intake_desk=intake_desk, may=may,
            rule_model="toycase.Rule",
        ))  # fmt: skip
