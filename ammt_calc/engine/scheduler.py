"""`--scheduler ADDRESS`: parsed and checked before anything connects, then reached within one deadline.

`parse_address` accepts `[SCHEME://]HOST[:PORT]`: a scheme the installed `distributed` can
use (tcp, and tls/wss when Dask's configuration holds TLS certificates, ws, ucx when its
package is installed), a non-empty host (a name, an IPv4 address or a bracketed IPv6 one),
a port of ASCII digits from 1 to 65535 (8786, Dask's, when left out). Anything else is one
line naming what is wrong, before a socket is opened.

`reach` spends one deadline (`--connect-timeout`, 10 s) on everything before the first
task: the connection, Dask's handshake and a first answer (the scheduler's identity). On
tcp it first reads the start of the handshake on a plain socket, which a Dask server sends
at once: a port that accepts and never speaks (a silent listener, an HTTP server waiting
for a request) is "did not answer" at the deadline, and a reply that is not a small Dask
frame is "not a Dask scheduler", before Dask's reader would size a buffer from it.
"""

from __future__ import annotations

import re
import socket
import struct
import time
from typing import NamedTuple

from ..errors import UserError, one_line

DEFAULT_PORT = 8786
MAX_ADDRESS_CHARS = 300  # a host name is at most 253 characters
MAX_HANDSHAKE_BYTES = 1 << 20  # Dask's handshake is ~200 bytes; a larger first frame is someone else
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_IPV6 = re.compile(r"[0-9A-Fa-f:.]+(?:%[A-Za-z0-9_.-]+)?")
HELP = "give tcp://HOST:PORT of a running `dask scheduler`, or leave out --scheduler for a local cluster"


class Address(NamedTuple):
    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


def parse_address(text) -> Address:
    """A scheduler address as checked parts, or a UserError naming the problem and the fix."""
    if not isinstance(text, str):
        raise UserError(f"scheduler must be an address text (tcp://HOST:PORT), not {type(text).__name__}")
    shown = one_line(text.strip()[:80])
    address = text.strip()
    if not address:
        raise UserError(f"--scheduler '' names no scheduler; {HELP}")
    if len(address) > MAX_ADDRESS_CHARS or not address.isascii() or not address.isprintable():
        raise UserError(f"--scheduler '{shown}' is not an address (ASCII, at most {MAX_ADDRESS_CHARS} characters);"
                        f" {HELP}")
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    scheme = scheme.lower()
    _check_scheme(scheme, shown)
    host, port_text = _split_host_port(rest, shown)
    if not port_text.isascii() or not port_text.isdigit() or len(port_text) > 5 or not 1 <= int(port_text) <= 65535:
        raise UserError(f"--scheduler '{shown}': the port must be a number from 1 to 65535 (Dask's is {DEFAULT_PORT})")
    return Address(scheme, host, int(port_text))


def _split_host_port(rest: str, shown: str) -> tuple[str, str]:
    if rest.startswith("["):
        host, sep, tail = rest[1:].partition("]")
        if not sep or not _IPV6.fullmatch(host) or (tail and not tail.startswith(":")):
            raise UserError(f"--scheduler '{shown}': an IPv6 host is written [ADDRESS]:PORT, e.g. tcp://[::1]:8786")
        port = tail[1:] if tail else str(DEFAULT_PORT)
    else:
        host, sep, port = rest.rpartition(":")
        if not sep:
            host, port = rest, str(DEFAULT_PORT)
        if ":" in host:
            raise UserError(f"--scheduler '{shown}': an IPv6 host is written in brackets, e.g. tcp://[::1]:8786")
        if not host or not _HOST.fullmatch(host) or len(host) > 253:
            raise UserError(f"--scheduler '{shown}': the host must be a name or an IP address; {HELP}")
    if not host:
        raise UserError(f"--scheduler '{shown}': no host; {HELP}")
    return host, port


def _check_scheme(scheme: str, shown: str) -> None:
    from distributed.comm.registry import backends

    if scheme not in backends or scheme == "inproc":  # inproc: only within one process
        usable = ", ".join(f"{s}://" for s in backends if s != "inproc")
        raise UserError(f"--scheduler '{shown}': unknown scheme '{scheme}://'; the installed Dask speaks {usable}")
    if scheme == "ucx" and not _installed("ucxx", "ucp"):
        raise UserError(f"--scheduler '{shown}': ucx:// needs UCX for Dask (pip install distributed-ucxx), which"
                        " is not installed; use tcp://")
    if scheme in ("tls", "wss") and _tls_arguments().get("ssl_context") is None:
        raise UserError(f"--scheduler '{shown}': {scheme}:// needs TLS certificates in Dask's configuration"
                        " (distributed.comm.tls.ca-file, .client.cert, .client.key); none are set")


def _installed(*names: str) -> bool:
    from importlib.util import find_spec

    return any(find_spec(name) is not None for name in names)


def _tls_arguments() -> dict:
    from distributed.security import Security

    try:
        return Security().get_connection_args("client")
    except (OSError, ValueError) as exc:  # a configured certificate that cannot be read
        raise UserError(f"Dask's TLS configuration cannot be used: {one_line(str(exc))[:200]}") from None


def reach(address: Address, timeout: float) -> float:
    """Connect, shake hands and get a first answer from the scheduler within `timeout` seconds;
    returns the seconds left of it (for the Client), or raises a UserError."""
    deadline = time.monotonic() + timeout
    if address.scheme == "tcp":
        _first_frame(address, deadline, timeout)
    _identity(address, deadline, timeout)
    return max(0.5, deadline - time.monotonic())


def _first_frame(address: Address, deadline: float, timeout: float) -> None:
    """The first 8 bytes a Dask server sends unasked: its handshake's size."""
    try:
        with socket.create_connection((address.host, address.port), timeout=max(0.01, deadline - time.monotonic())) as sock:
            received = b""
            while len(received) < 8:
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                chunk = sock.recv(8 - len(received))
                if not chunk:
                    raise UserError(f"the server at '{address}' closed the connection without a Dask handshake;"
                                    f" is it a Dask scheduler? {HELP}")
                received += chunk
    except (socket.timeout, TimeoutError):
        raise _no_answer(address, timeout) from None
    except socket.gaierror:
        raise UserError(f"cannot reach the Dask scheduler at '{address}': unknown host '{address.host}'") from None
    except OSError as exc:
        raise UserError(f"cannot reach the Dask scheduler at '{address}': {one_line(exc.strerror or str(exc)).lower()};"
                        " start it with `dask scheduler`, or leave out --scheduler for a local cluster") from None
    (size,) = struct.unpack("<Q", received)
    if not 0 < size <= MAX_HANDSHAKE_BYTES:
        raise UserError(f"the server at '{address}' is not a Dask scheduler (its first bytes are not a Dask"
                        f" handshake); {HELP}")


def _identity(address: Address, deadline: float, timeout: float) -> None:
    """Dask's own connect (handshake included) and the scheduler's identity, within the deadline."""
    import asyncio

    from distributed.comm import connect
    from distributed.comm.core import CommClosedError

    async def identity():
        args = _tls_arguments() if address.scheme in ("tls", "wss") else {}
        comm = await connect(str(address), timeout=max(0.01, deadline - time.monotonic()), **args)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    try:
        answer = asyncio.run(asyncio.wait_for(identity(), max(0.01, deadline - time.monotonic())))
    except (asyncio.TimeoutError, TimeoutError):
        raise _no_answer(address, timeout) from None
    except (OSError, CommClosedError, ValueError, TypeError, EOFError) as exc:
        why = one_line(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)[:160]
        raise UserError(f"cannot reach the Dask scheduler at '{address}' ({why}); start it with `dask scheduler`,"
                        " or leave out --scheduler for a local cluster") from None
    except MemoryError:
        raise UserError(f"the server at '{address}' is not a Dask scheduler (it sent an impossible message size);"
                        f" {HELP}") from None
    if not (isinstance(answer, dict) and answer.get("type") == "Scheduler"):
        kind = answer.get("type") if isinstance(answer, dict) else None
        raise UserError(f"the server at '{address}' is not a Dask scheduler"
                        f"{f' (it is a {one_line(str(kind))[:40]})' if kind else ''}; {HELP}")


def _no_answer(address: Address, timeout: float) -> UserError:
    return UserError(f"the Dask scheduler at '{address}' did not answer within {timeout:g} s (the connect timeout);"
                     " check the address and that `dask scheduler` runs there, or give a longer --connect-timeout")
