"""Who may do what on the broker: the hub's ACLs and each state's, as AclBindings.

Every binding is an ALLOW on a literal resource name, except the consumer-group prefixes, so a
principal can touch exactly the topics named here and nothing else (the broker's authorizer allows
nothing without an ACL). Creating a binding that exists changes nothing, so ``create`` is idempotent.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from confluent_kafka import KafkaException
from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
)

from hub.errors import InfraError
from producers.topics import Topics, TopicSpec

TIMEOUT = 30.0
# None in an AclBindingFilter matches any value (the client library's stubs type these as str).
ANY: Any = None
CLUSTER = "kafka-cluster"


def _allow(
    principal: str,
    kind: ResourceType,
    name: str,
    op: AclOperation,
    pattern: ResourcePatternType = ResourcePatternType.LITERAL,
) -> AclBinding:
    return AclBinding(kind, name, pattern, f"User:{principal}", "*", op, AclPermissionType.ALLOW)


def hub_cluster_bindings(principal: str) -> list[AclBinding]:
    # Idempotent producers (the relay's) need IDEMPOTENT_WRITE on the cluster.
    return [_allow(principal, ResourceType.BROKER, CLUSTER, AclOperation.IDEMPOTENT_WRITE)]


def hub_topic_bindings(principal: str, topics: Topics, specs: Sequence[TopicSpec]) -> list[AclBinding]:
    """What the hub does on each topic it owns (``TopicSpec.hub_access``), plus its consumer groups
    (every group it uses is named ``<prefix>msix-...``)."""
    bindings = [
        _allow(principal, ResourceType.TOPIC, spec.name, AclOperation[op]) for spec in specs for op in spec.hub_access
    ]
    bindings.append(
        _allow(principal, ResourceType.GROUP, topics.hub_group_prefix, AclOperation.READ, ResourcePatternType.PREFIXED)
    )
    return bindings


def web_bindings(principal: str, topics: Topics, specs: Sequence[TopicSpec]) -> list[AclBinding]:
    """The web app (``msix serve``): what its pages need on the topics of ``specs``, no more.

    - acknowledge a move notice for its destination state: WRITE ``movenotice.ST.acks``;
    - the dashboards' and /metrics' rejections: READ ``state.ST.rejected``;
    - their lags: DESCRIBE ``state.ST.records`` and ``movenotice.ST`` (offsets only, no messages),
      and DESCRIBE the two groups whose committed offsets the lags compare with.
    It reads no records, notices or identity events and writes nothing a state or the hub writes."""
    topic, group = ResourceType.TOPIC, ResourceType.GROUP
    ops: dict[str, AclOperation] = {}
    states = {topics.state_of(s.name) for s in specs if s.name.startswith(topics.prefix + "state.")}
    for st in states:
        ops |= {
            topics.records(st): AclOperation.DESCRIBE,
            topics.rejected(st): AclOperation.READ,
            topics.move_notices(st): AclOperation.DESCRIBE,
            topics.notice_acks(st): AclOperation.WRITE,
        }
    names = {s.name for s in specs}
    bindings = [_allow(principal, topic, name, op) for name, op in ops.items() if name in names]
    groups = [topics.hub_group_prefix + "merge", *(topics.state_group_prefix(st) + "follow" for st in states)]
    return bindings + [_allow(principal, group, g, AclOperation.DESCRIBE) for g in groups]


def web_cluster_bindings(principal: str) -> list[AclBinding]:
    # Acknowledgements go through the hub's idempotent producer.
    return [_allow(principal, ResourceType.BROKER, CLUSTER, AclOperation.IDEMPOTENT_WRITE)]


def state_bindings(principal: str, topics: Topics, state: str) -> list[AclBinding]:
    """State ST: write its records (and the rejections its connector finds), read what the hub
    rejected and its move notices, acknowledge notices, read the data requests made of it and answer
    them, use consumer groups under its own prefix."""
    topic = ResourceType.TOPIC
    return [
        _allow(principal, topic, topics.records(state), AclOperation.WRITE),
        _allow(principal, topic, topics.rejected(state), AclOperation.WRITE),
        _allow(principal, topic, topics.rejected(state), AclOperation.READ),
        _allow(principal, topic, topics.move_notices(state), AclOperation.READ),
        _allow(principal, topic, topics.notice_acks(state), AclOperation.WRITE),
        # Obligations between states: read the requests made of it, answer them.
        _allow(principal, topic, topics.data_requests(state), AclOperation.READ),
        _allow(principal, topic, topics.responses(state), AclOperation.WRITE),
        _allow(
            principal,
            ResourceType.GROUP,
            topics.state_group_prefix(state),
            AclOperation.READ,
            ResourcePatternType.PREFIXED,
        ),
        _allow(principal, ResourceType.BROKER, CLUSTER, AclOperation.IDEMPOTENT_WRITE),
    ]


def create(admin: AdminClient, bindings: Iterable[AclBinding]) -> None:
    bindings = list(bindings)
    if not bindings:
        return
    for binding, future in admin.create_acls(bindings, request_timeout=TIMEOUT).items():
        try:
            future.result()
        except KafkaException as exc:
            raise InfraError(f"creating the ACL {binding}: {exc.args[0].str()}") from exc
    _wait_visible(admin, bindings)


def _key(b: AclBinding) -> tuple[object, ...]:
    return (b.restype, b.name, b.resource_pattern_type, b.principal, b.operation, b.permission_type)


def _wait_visible(admin: AdminClient, bindings: list[AclBinding], patience: float = 10.0) -> None:
    """Return once the broker's authorizer applies every binding. The controller accepts an ACL
    before the broker has it (up to a second here): a client let in at once could be refused."""
    wanted = {_key(b) for b in bindings}
    principals = {b.principal for b in bindings}
    deadline = time.monotonic() + patience
    while True:
        seen: set[tuple[object, ...]] = set()
        for who in principals:
            seen |= {_key(b) for b in admin.describe_acls(_every_acl_of(who), request_timeout=TIMEOUT).result()}
        if wanted <= seen:
            return
        if time.monotonic() > deadline:
            raise InfraError(f"{len(wanted - seen)} ACL(s) not applied by the broker after {patience:.0f} s")
        time.sleep(0.1)


def _every_acl_of(principal: str) -> AclBindingFilter:
    """A filter matching every ACL ``principal`` holds, on any resource."""
    return AclBindingFilter(
        ResourceType.ANY, ANY, ResourcePatternType.ANY, principal, ANY, AclOperation.ANY, AclPermissionType.ANY
    )


def has_any(admin: AdminClient, principal: str) -> bool:
    """Does ``principal`` hold any ACL?"""
    return bool(admin.describe_acls(_every_acl_of(f"User:{principal}"), request_timeout=TIMEOUT).result())


def delete_principal(admin: AdminClient, principal: str) -> int:
    """Remove every ACL of ``principal``; returns how many there were."""
    match_all = _every_acl_of(f"User:{principal}")
    removed = 0
    for future in admin.delete_acls([match_all], request_timeout=TIMEOUT).values():
        removed += len(future.result())
    return removed


def delete_under_prefix(admin: AdminClient, prefix: str) -> set[str]:
    """Remove every ACL on a resource named ``prefix...`` (a test's or a benchmark's topics);
    returns the principals those ACLs were for."""
    if not prefix:
        raise ValueError("refusing to remove the ACLs of every resource")
    everything = AclBindingFilter(
        ResourceType.ANY, ANY, ResourcePatternType.ANY, ANY, ANY, AclOperation.ANY, AclPermissionType.ANY
    )
    found = admin.describe_acls(everything, request_timeout=TIMEOUT).result()
    mine = [b for b in found if b.name.startswith(prefix)]
    if not mine:
        return set()
    filters = [
        AclBindingFilter(
            b.restype, b.name, b.resource_pattern_type, b.principal, b.host, b.operation, b.permission_type
        )
        for b in mine
    ]
    for future in admin.delete_acls(filters, request_timeout=TIMEOUT).values():
        future.result()
    return {b.principal for b in mine}
