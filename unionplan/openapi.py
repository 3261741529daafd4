"""OpenAPI links between the API's operations (drf-spectacular post-processing hook).

A link says where a response's values go next: the report a POST created is read and reviewed
by its id, an item read is reported on with its id and version, an instruction created is
answered, returned and closed. Clients read them as documentation; the stateful schemathesis
test (tests/unionplan/test_schemathesis_stateful.py) follows them to chain real calls.
"""

from __future__ import annotations

BY_ID = "$response.body#/id"
FIRST_ID = "$response.body#/results/0/id"

# (path, method, status) -> {link name: (operationId, parameters, requestBody or None)}
LINKS: dict[tuple[str, str, str], dict[str, tuple[str, dict, dict | None]]] = {
    ("/api/v1/plans/", "get", "200"): {
        "ReadFirstPlan": ("plans_retrieve", {"id": FIRST_ID}, None),
        "RollUpFirstPlan": ("plans_rollup_retrieve", {"id": FIRST_ID}, None),
    },
    ("/api/v1/items/", "get", "200"): {"ReadFirstItem": ("items_retrieve", {"id": FIRST_ID}, None)},
    ("/api/v1/items/{id}/", "get", "200"): {
        "ReportOnItem": ("reports_create", {}, {"item": BY_ID, "version": "$response.body#/version"}),
        "InstructOnItem": ("instructions_create", {}, {"item": BY_ID}),
    },
    ("/api/v1/reports/", "get", "200"): {
        "ReadFirstReport": ("reports_retrieve", {"id": FIRST_ID}, None),
        "ReviewFirstReport": ("reports_review_create", {"id": FIRST_ID}, None),
    },
    ("/api/v1/reports/", "post", "201"): {
        "ReadReport": ("reports_retrieve", {"id": BY_ID}, None),
        "ReviewReport": ("reports_review_create", {"id": BY_ID}, None),
    },
    ("/api/v1/reports/{id}/", "get", "200"): {"ReviewReadReport": ("reports_review_create", {"id": BY_ID}, None)},
    ("/api/v1/instructions/", "post", "201"): {
        "ReadInstruction": ("instructions_retrieve", {"id": BY_ID}, None),
        "ReplyToInstruction": ("instructions_reply_create", {"id": BY_ID}, None),
        "ReturnInstruction": ("instructions_return_create", {"id": BY_ID}, None),
        "CloseInstruction": ("instructions_close_create", {"id": BY_ID}, None),
    },
    ("/api/v1/departments/", "get", "200"): {"ReadFirstDepartment": ("departments_retrieve", {"id": FIRST_ID}, None)},
}


def add_links(result, generator, request, public):
    """SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]: the links above, on the operations the schema has."""
    operation_ids = {operation.get("operationId") for methods in result.get("paths", {}).values()
                     for operation in methods.values() if isinstance(operation, dict)}
    for (path, method, status), links in LINKS.items():
        response = result.get("paths", {}).get(path, {}).get(method, {}).get("responses", {}).get(status)
        if response is None:
            continue
        for name, (operation_id, parameters, body) in links.items():
            if operation_id not in operation_ids:
                continue
            link = {"operationId": operation_id}
            if parameters:
                link["parameters"] = parameters
            if body:
                link["requestBody"] = body
            response.setdefault("links", {})[name] = link
    return result
