"""Latency and bandwidth."""

from __future__ import annotations

from planner.physics.constants import C_KM_S


def round_trip_light_ms(distance_km: float) -> float:
    """RTT of light over ``distance_km`` each way: 2 d / c."""
    return 2.0 * distance_km / C_KM_S * 1000.0


def round_trip_ms(distance_km: float, routing_ms: float) -> float:
    """Round trip: light time plus routing and processing."""
    return round_trip_light_ms(distance_km) + routing_ms


def gbps_per_eflop_s(bits_per_flop: float) -> float:
    """Link rate (Gbit/s) that one EFLOP/s of delivered compute needs at ``bits_per_flop``."""
    return bits_per_flop * 1e18 / 1e9


def network_availability(clear_sky_probability: float, stations_in_view: float, rf_rate_share: float) -> float:
    """Share of its optical rate a unit's downlink carries on average through a ground-station network: at least one
    of ``stations_in_view`` sites (far enough apart for independent weather) is clear, or else an RF link carries
    ``rf_rate_share`` of the rate: 1 - (1 - p)^n (1 - rf)."""
    return 1.0 - (1.0 - clear_sky_probability) ** stations_in_view * (1.0 - rf_rate_share)


def downlink_gbps(terminals: float, rate_gbps: float, rate_factor: float, availability: float) -> float:
    """Average rate that leaves a unit: terminals x rate x distance factor x weather/geometry availability."""
    return terminals * rate_gbps * rate_factor * availability
