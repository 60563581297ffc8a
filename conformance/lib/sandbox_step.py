"""Helpers for conformance step files written in Python (``conformance/steps/*.py``).

``conformance/run`` puts this directory on ``PYTHONPATH`` and runs each step with the variables of
``lobehub-sandbox serve`` in its environment (see conformance-contract.md).

A step records checks with :class:`Step`; a failed check prints what was asked and what the simulator
answered, and the step exits 1 at the end if any check failed::

    from sandbox_step import Step, env
    step = Step("ram_tea")
    with step.check("CreateUser", request={"UserName": "alice"}) as c:
        resp = client.create_user(...)
        c.answer = resp.body.to_map()
        c.expect(resp.body.user.user_name == "alice", "UserName echoed")
    step.finish()
"""

from __future__ import annotations

import json
import os
import socket
import sys
import traceback
from typing import Any

LOOPBACK_SUFFIXES = (".aliyuncs.com",)


def env(name: str) -> str:
    """The value of a ``SANDBOX_*`` variable; exits 1 naming it when it is missing or empty."""
    value = os.environ.get(name, "")
    if not value:
        print(f"FAIL missing variable {name} (is this step run by conformance/run?)", flush=True)
        sys.exit(1)
    return value


def resolve_aliyuncs_to_loopback() -> None:
    """Makes every ``*.aliyuncs.com`` name resolve to 127.0.0.1 in this process (the contract's virtual
    hosting on loopback: steps use the real host names with the sandbox port). Other names resolve as usual."""
    original = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        name = host.decode() if isinstance(host, bytes) else host
        if isinstance(name, str) and (name.endswith(LOOPBACK_SUFFIXES) or name in ("aliyuncs.com",)):
            return original("127.0.0.1", port, *args, **kwargs)
        return original(host, port, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


def _show(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, indent=2, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return repr(value)


class CheckFailed(Exception):
    """Raised by :meth:`Check.expect` to end a check early."""


class Check:
    """One check: what was asked (``request``), what came back (``answer``), and expectations on it."""

    def __init__(self, step: "Step", name: str, request: Any = None) -> None:
        self.step = step
        self.name = name
        self.request = request
        self.answer: Any = None
        self.problems: list[str] = []

    def expect(self, condition: bool, what: str) -> None:
        """Records ``what`` as failed when ``condition`` is false and ends the check."""
        if not condition:
            self.problems.append(what)
            raise CheckFailed(what)

    def __enter__(self) -> "Check":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:  # type: ignore[no-untyped-def]
        if exc is not None and not isinstance(exc, CheckFailed):
            self.problems.append(f"{exc_type.__name__}: {exc}")
            if self.answer is None:
                self.answer = _error_answer(exc)
            self.problems.append("".join(traceback.format_exception(exc_type, exc, tb, limit=4)).rstrip())
        self.step._record(self)
        return True  # a failed check does not stop the step


def _error_answer(exc: BaseException) -> Any:
    """What an SDK exception says the server answered (Tea's code/message/data, oss2's details), if anything."""
    out = {}
    for attr in ("code", "status", "message", "data", "details", "request_id", "body"):
        value = getattr(exc, attr, None)
        if value not in (None, "", {}):
            out[attr] = value
    return out or None


class Step:
    """A step file's checks. :meth:`finish` prints a summary and exits 0 (all passed) or 1."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.passed = 0
        self.failed = 0

    def check(self, name: str, request: Any = None) -> Check:
        """A check used as a context manager; an exception inside it fails the check (the step goes on)."""
        return Check(self, name, request)

    def _record(self, check: Check) -> None:
        if check.problems:
            self.failed += 1
            print(f"FAIL {self.name}: {check.name}", flush=True)
            for p in check.problems:
                print("  " + p.replace("\n", "\n  "))
            print("  request: " + _show(check.request).replace("\n", "\n  "))
            print("  answer:  " + _show(check.answer).replace("\n", "\n  "), flush=True)
        else:
            self.passed += 1
            print(f"ok   {self.name}: {check.name}", flush=True)

    def finish(self) -> None:
        print(f"{self.name}: {self.passed} checks passed, {self.failed} failed", flush=True)
        if self.failed or not self.passed:
            sys.exit(1)
        sys.exit(0)
