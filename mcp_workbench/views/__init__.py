"""How things look: DataFrames of servers, tools, prompts, resources and history (``frames``,
``listings``), rich displays for the notebook (``display``), and tool descriptions (``describe``)."""
