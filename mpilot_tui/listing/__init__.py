"""Listings: what a kind is (:mod:`.kinds`) and how a listing pages (:mod:`.engine`).

No Textual here: the browser renders a :class:`Listing`, and the CLI walks one.
"""

from .engine import (
    END,
    Failed,
    FindOutcome,
    FindRun,
    FollowRun,
    Landed,
    Listing,
    Progress,
    Received,
    forget_request,
)
from .kinds import (
    CONTAINER_PAGE_LIMIT,
    KINDS,
    CursorPaging,
    Kind,
    KindSpec,
    OffsetPaging,
    PageAsk,
    Paging,
    Position,
    Query,
    kind_named,
    spec_of,
)

__all__ = [
    "CONTAINER_PAGE_LIMIT",
    "END",
    "KINDS",
    "CursorPaging",
    "Failed",
    "FindOutcome",
    "FindRun",
    "FollowRun",
    "Kind",
    "KindSpec",
    "Landed",
    "Listing",
    "OffsetPaging",
    "PageAsk",
    "Paging",
    "Position",
    "Progress",
    "Query",
    "Received",
    "forget_request",
    "kind_named",
    "spec_of",
]
