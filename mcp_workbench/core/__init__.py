"""The connection layer: the async bridge, server specs and transports, live connections, the
server-to-client requests, and the service that connects, lists and calls. It imports nothing
from the outer layers (catalog, views, repro, chat, apps, widgets, magics).

Modules: ``engine`` (the background event-loop thread), ``config`` (server specs, config files),
``transports`` (the one transport table), ``tap`` (observers of every JSON-RPC message),
``connection`` (one live server), ``requests`` (sampling, elicitation, roots), ``registry``
(servers by name), ``sessions`` (the kernel-scoped store of live sessions), ``service``,
``results``, ``history``, ``traffic``, ``validation``, ``policy``, ``events``, ``secrets``,
``auth/`` (OAuth 2.1).
"""

VERSION = "0.1.0"  # the package's version; the client announces it in the handshake
