"""The security suite shares the fault suite's garbage collection before each test (see there)."""

from tests.faults.conftest import collect_garbage_first  # noqa: F401 (an autouse fixture)
