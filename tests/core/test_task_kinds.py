"""Task kinds are a closed set in the contract (issue 17): the TaskKind enum is exactly the kinds the areas'
providers are installed under, so a new provider cannot answer a kind a typed client does not know."""

from __future__ import annotations

from api.main import TASK_PROVIDERS
from api.schemas.tasks import TaskKind


def test_task_kind_enum_is_the_installed_providers_kinds():
    installed = [kind for providers in TASK_PROVIDERS for kind in providers]
    assert sorted(installed) == sorted(k.value for k in TaskKind)
