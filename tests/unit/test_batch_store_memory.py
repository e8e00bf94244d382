"""The batch store's contract (tests/store_contract.py) on the in-memory adapter."""

from __future__ import annotations

import pytest

from hub.store.batch.memory import MemoryBatchStore
from hub.store.batch.port import HeldRow, OutboxRow
from tests.store_contract import BatchStoreContract


class TestMemoryBatchStore(BatchStoreContract):
    @pytest.fixture
    def store(self) -> MemoryBatchStore:
        return MemoryBatchStore()

    def outbox(self, store: MemoryBatchStore) -> list[OutboxRow]:
        return list(store.committed.outbox)

    def held(self, store: MemoryBatchStore) -> list[HeldRow]:
        return sorted(store.committed.held.values())
