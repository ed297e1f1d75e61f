"""The bundled demo server (``python -m mcp_workbench.demo``) and a launcher that runs it on loopback.

``server`` holds the tools, prompts and resources the tests, notebooks and benchmarks use;
``launch`` starts it over HTTP / SSE on a free port for them.
"""
