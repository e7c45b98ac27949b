"""Hardship aid (困难帮扶) routers: `router` (under `/aid`) and `me_router` (under `/me`), split by resource
over this package's modules (docs/rules.md §4). Importing the modules in the order below registers the
routes in their original order, which matters where a literal path could be taken for a path parameter."""

from api.routers.aid import programmes, households, applications, notices, payouts  # noqa: I001
from api.routers.aid._base import me_router, router

__all__ = ["applications", "households", "me_router", "notices", "payouts", "programmes", "router"]
