"""What outlives the kernel: the metadata repository (``repository/``: the ``ToolRepository``
protocol, SQLite and PostgreSQL) and ``sync``, which keeps it in step with live connections and
persists the call history off the hot path. Imports only ``core``."""
