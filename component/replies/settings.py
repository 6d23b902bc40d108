"""The reply settings that apply to an organisation: its reminder policy's ``replies`` section.

The organisation's own policy (file or stored copy) when it has a readable one, else the shipped
default: a broken policy must not stop a reply from pausing chasing.
"""

from __future__ import annotations

from component.reminders.policy import Replies, load_policy
from component.runtime import Runtime


def replies_policy(runtime: Runtime, tenant_id: str) -> Replies:
    from component.orgs.policy import org_policy

    row = runtime.store.organisations.get(tenant_id) if tenant_id else None
    policy = org_policy(row).policy if row is not None else None
    return (policy or load_policy()).replies
