"""Permission-matrix recipe for the organisation-threshold report."""

from __future__ import annotations

from matrix import Call, recipe


@recipe("org_units_compliance")
def _(client, world):
    return Call("chair", "ROOT", "GET", f"/api/v1/org-units/{world.units['ROOT'].id}/compliance")
