"""Our stdio transport (``core/stdio.py``): big lines arrive whole, lines split anywhere are put
back together, and a line that is not JSON-RPC is reported instead of dropped. Real processes
over real pipes; the fault suite covers garbage mid-call, crashes and leftovers."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
import pytest
from mcp.client.stdio import StdioServerParameters
from mcp.shared.message import SessionMessage

from mcp_workbench import ArgumentError, Workbench
from mcp_workbench.core.stdio import (
    LineSplitter,
    StdoutLineError,
    parse_line,
    stdio_transport,
)

MB = 2**20

# A child that writes, on stdout: a banner line, one JSON-RPC response whose text counts up (so a
# lost, doubled or reordered chunk shows), and an invalid UTF-8 byte inside a string; then waits.
_WRITER = r"""
import json, sys
n = int(sys.argv[1])
text = "".join(f"{i:09d}\n" for i in range(n // 10))
out = sys.stdout.buffer
out.write(b"Starting the server (a banner, not JSON)\n")
out.write(json.dumps({"jsonrpc": "2.0", "id": 1, "result": {"text": text}}).encode() + b"\n")
out.write(b'{"jsonrpc": "2.0", "id": 2, "result": {"text": "caf\xff"}}\r\n')
out.flush()
sys.stdin.read()
"""


def _counting(n: int) -> str:
    return "".join(f"{i:09d}\n" for i in range(n // 10))


async def _first_items(size: int, count: int, errlog_path: Path) -> list[SessionMessage | Exception]:
    params = StdioServerParameters(command=sys.executable, args=["-c", _WRITER, str(size)],
                                   encoding_error_handler="replace")  # fmt: skip
    items: list[SessionMessage | Exception] = []
    with errlog_path.open("w") as errlog:
        async with stdio_transport(params, errlog) as (read_stream, _write_stream):
            with anyio.fail_after(60):
                while len(items) < count:
                    items.append(await read_stream.receive())
    return items


@pytest.mark.anyio
async def test_a_big_line_arrives_whole_and_in_order_between_a_banner_and_bad_bytes(tmp_path: Path) -> None:
    size = 20 * MB
    banner, big, bad_bytes = await _first_items(size, 3, tmp_path / "stderr.txt")
    assert isinstance(banner, StdoutLineError) and "Starting the server" in str(banner)
    assert isinstance(big, SessionMessage) and big.message.id == 1
    assert big.message.result["text"] == _counting(size)
    assert isinstance(bad_bytes, SessionMessage) and bad_bytes.message.result["text"] == "caf\ufffd"


def test_lines_split_anywhere_are_put_back_together() -> None:
    data = b'{"a": 1}\n\n  \r\n{"b": "two\xe2\x82\xac"}\r\nlast-unfinished'
    for size in (1, 2, 3, 7, len(data)):
        splitter = LineSplitter()
        lines = [line for i in range(0, len(data), size) for line in splitter.feed(data[i : i + size])]
        assert lines == [b'{"a": 1}', b'{"b": "two\xe2\x82\xac"}\r'], size
        assert splitter.pending == len(b"last-unfinished")


def test_lines_are_parsed_as_utf8_or_decoded_with_the_error_handler() -> None:
    ok = parse_line(b'{"jsonrpc": "2.0", "id": 7, "result": {"t": "caf\xc3\xa9"}}\r')
    assert isinstance(ok, SessionMessage) and ok.message.result == {"t": "café"}
    bad_bytes = b'{"jsonrpc": "2.0", "id": 8, "result": {"t": "caf\xff"}}'
    assert parse_line(bad_bytes, "utf-8", "replace").message.result == {"t": "caf\ufffd"}
    assert isinstance(parse_line(bad_bytes, "utf-8", "ignore"), SessionMessage)
    latin = parse_line('{"jsonrpc": "2.0", "id": 9, "result": {"t": "café"}}'.encode("latin-1"), "latin-1")
    assert latin.message.result == {"t": "café"}
    error = parse_line(b"Server ready on stdio")
    assert isinstance(error, StdoutLineError) and "not JSON" in str(error) and "'Server ready on stdio'" in str(error)
    shape = parse_line(b'{"jsonrpc": "2.0", "id": 1, "result": 42}')
    assert isinstance(shape, StdoutLineError) and "not a valid JSON-RPC message" in str(shape)


def test_a_bad_line_is_quoted_to_200_characters_on_one_line() -> None:
    error = StdoutLineError("z" * 150 + "\n\t" + "w" * 300, "not JSON")
    text = str(error)
    assert "\n" not in text and "not JSON" in text
    assert repr("z" * 150 + "\n\t" + "w" * 48) + " …" in text and "w" * 49 not in text


def test_a_50_mb_result_arrives_intact_over_stdio_and_the_connection_goes_on(demo: Workbench) -> None:
    result = demo.call("demo.big", mb=50, timeout=300)
    assert not result.is_error
    assert len(result.text) == 50 * MB and result.text.count("x") == 50 * MB
    assert demo.call("demo.add", a=1, b=2).text == "3"
    assert demo.servers().set_index("name").loc["demo", "status"] == "connected"


def test_the_demo_refuses_an_absurd_size(demo: Workbench) -> None:
    with pytest.raises(ArgumentError, match="512"):  # the bound is in the tool's schema: checked before sending
        demo.call("demo.big", mb=10_000)
