"""The connection layer: the async bridge, server specs and transports, live connections, the
server-to-client requests, and the service that connects, lists and calls. It imports nothing
from the outer layers (catalog, views, repro, chat, apps, widgets, magics).

Modules: ``engine`` (the background event-loop thread), ``config`` (server specs, config files),
``transports`` (the one transport table) with ``stdio`` and ``websocket`` (our own transports) and
``httpwire`` (HTTP exchanges for the traffic view), ``tap`` (observers of every JSON-RPC message),
``connection`` (one live server), ``requests`` + ``elicitation`` (sampling, elicitation, roots),
``registry`` (servers by name, the read-only ``ServerView``), ``sessions`` (the kernel-scoped store
of live sessions), ``service`` (connect, call, read, ping, trace), ``features`` (the part over
``tasks`` + ``taskwire``, ``completions``, ``subscriptions``, ``logs``), ``capabilities`` (what a
server offers), ``results``, ``rendering`` (how a resource looks in a cell), ``history``,
``traffic``, ``validation``, ``policy``, ``events``, ``secrets``, ``home``, ``raw`` (requests as on
the wire), ``tokens``, ``appmeta`` (MCP Apps metadata), ``mcp_registry`` + ``registry_spec`` +
``registry_service`` (the MCP Registry), ``auth/`` (OAuth 2.1).
"""

VERSION = "0.1.0"  # the package's version; the client announces it in the handshake
