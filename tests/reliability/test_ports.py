"""The private stack's ports stay out of the range Linux hands out to outgoing connections."""

from __future__ import annotations

from pathlib import Path

from tests.reliability.harness import OFFSETS, private_ports


def test_private_stack_ports_are_below_the_ephemeral_range() -> None:
    low, _high = (int(n) for n in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    highest = max(port for offset in OFFSETS for port in private_ports(offset))
    assert highest < low, f"port {highest} must stay under the ephemeral range from {low}"
