"""The private stack's ports stay out of the range Linux hands out to outgoing connections."""

from __future__ import annotations

from pathlib import Path

from tests.reliability.harness import CONTROLLER_PORT, ES_PORT, KAFKA_PORT

OFFSETS = range(0, 100, 10)
"""``free_offset``'s candidates."""


def test_private_stack_ports_are_below_the_ephemeral_range() -> None:
    low, _high = (int(n) for n in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    ports = [port + offset for offset in OFFSETS
             for port in (KAFKA_PORT, CONTROLLER_PORT, ES_PORT, ES_PORT + 100)]  # ES transport: HTTP + 100
    assert max(ports) < low, f"ports {max(ports)} and below must stay under the ephemeral range from {low}"
