"""schemathesis against the live OpenAPI schema: every operation, valid credentials,
zero server errors and zero responses that break the schema."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

CHECKS_NAMES = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
                "response_schema_conformance", "response_headers_conformance")
EXAMPLES = 8


def _checks() -> list[Any]:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [not_a_server_error, status_code_conformance, content_type_conformance,
            response_schema_conformance, response_headers_conformance]


@pytest.mark.django_db(transaction=True)
def test_every_operation_conforms_to_the_live_schema(live_server, tcatalogue, settings):
    import schemathesis

    from gongzhi.api.services import token_create
    from gongzhi.cases.models import Category
    from gongzhi.cases.services import case_submit

    settings.GONGZHI_API_RATE_TOKEN = "100000/60"
    settings.GONGZHI_API_RATE_IP = "100000/60"
    _t, raw = token_create(actor=tcatalogue.committee, name="schemathesis", scope="read_write")
    grid = tcatalogue.grid(1, 2)
    numbers = [
        case_submit(actor=tcatalogue.resident, channel="web", category=Category.objects.get(code="pothole"),
                    description=f"Pothole {i} for the schema test.", lat=grid.centroid_lat,
                    lon=grid.centroid_lon).number
        for i in range(3)
    ]
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    headers = {"Authorization": f"Bearer {raw}"}
    checks = _checks()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    failures: list[str] = []
    for operation in operations:
        params: dict[str, Any] = {}
        if "{number}" in operation.path:
            params["number"] = st.sampled_from([*numbers, "000000-NOPE00"])
        if "{code}" in operation.path:
            params["code"] = st.sampled_from(["JC.LJ.XH.C1", "JC.LJ.XH.C1.G02", "NOPE"])
        strategy = operation.as_strategy(headers=headers) if not params else _with_path(operation, headers, params)

        run = _runner(operation, strategy, live_server.url, headers, checks, failures)
        try:
            run()
        except Exception:  # collected in `failures`; carry on to cover every operation
            if not failures:
                raise
    assert not failures, "\n".join(failures[:20])


def _runner(operation: Any, strategy: Any, base_url: str, headers: dict[str, str], checks: list[Any],
            failures: list[str]) -> Any:
    @hsettings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
               suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    @given(case=strategy)
    def run(case: Any) -> None:
        response = case.call(base_url=base_url, headers=headers)
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except Exception as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {response.status_code} "
                            f"{response.text[:200]} -> {str(exc)[:400]}")
            raise

    return run


def _with_path(operation: Any, headers: dict[str, str], params: dict[str, Any]) -> Any:
    return st.fixed_dictionaries(params).flatmap(
        lambda values: operation.as_strategy(headers=headers, path_parameters=values)
    )
