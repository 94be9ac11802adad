"""A free TCP port below the kernel's ephemeral range, for a server a test starts on a port of its own.

Used by chaos/chaos.py (imported) and clients/test-all (run as a script, which prints the port).
Standard library only, so any Python can run it.
"""
import random
import socket


def free_port():
    """A port nothing listens on, below the kernel's ephemeral range. A port from bind(0) is free again
    once the probe closes it, and the demo's embedded Postgres then picks its own port with bind(0),
    at each start and restart: that hands out this very port with probability 1/14116 on Linux (the odd
    ports of 32768-60999; measured 8e-5), and the server cannot bind it. bind(0) and connect() never
    hand out a port below the range."""
    low = 49152  # IANA's dynamic range: macOS's and Windows' default
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        pass
    for _ in range(1000):
        port = random.randrange(10000, low) if low - 10000 >= 1000 else 0
        with socket.socket() as s:
            try:
                s.bind(("", port))  # every address, without SO_REUSEADDR: any holder makes it busy
            except OSError:
                continue
            return s.getsockname()[1]
    raise SystemExit(f"no free port in [10000, {low}) after 1000 tries")


if __name__ == "__main__":
    print(free_port())
