"""The merge's batch protocol behind one port (``port``), with a PostgreSQL adapter (``postgres``)
and an in-memory one (``memory``) that pass one contract suite (``tests/store_contract.py``)."""
