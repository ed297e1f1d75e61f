"""The IPython extension: ``%load_ext mcp_workbench`` (``extension``), the ``%mcp`` / ``%%mcp``
magic that parses and dispatches (``magic``), one module per subcommand group (``cmd/``), and
YAML / JSON cell bodies (``arguments``)."""
