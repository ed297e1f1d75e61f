"""Reproducibility: JSON Lines cassettes (``cassette``), recording (``recorder``), replay with no
server (``replay``, ``episodes`` for new episodes), ``map`` of a tool over a DataFrame (``batch``),
and history exported as a script (``export``). ``api.Repro`` is the part the ``Workbench`` holds."""
