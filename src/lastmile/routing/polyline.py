"""Google's encoded polyline format, at precision 5 (Google) or 6 (Valhalla, OSRM)."""

from collections.abc import Sequence

LatLon = tuple[float, float]


def encode(points: Sequence[LatLon], precision: int = 6) -> str:
    """Encode (lat, lon) points as a polyline string.

    Parameters
    ----------
    points
        Positions in degrees, as (lat, lon).
    precision
        Decimal digits kept: 5 for Google's format, 6 for Valhalla's `polyline6`.

    Returns
    -------
    str
        The encoded polyline; empty for no points.

    Examples
    --------
    >>> encode([(38.5, -120.2), (40.7, -120.95), (43.252, -126.453)], precision=5)
    '_p~iF~ps|U_ulLnnqC_mqNvxq`@'
    """
    factor = 10**precision
    parts: list[str] = []
    prev_lat = prev_lon = 0
    for lat, lon in points:
        lat_i, lon_i = round(lat * factor), round(lon * factor)
        parts.append(_encode_value(lat_i - prev_lat))
        parts.append(_encode_value(lon_i - prev_lon))
        prev_lat, prev_lon = lat_i, lon_i
    return "".join(parts)


def decode(polyline: str, precision: int = 6) -> list[LatLon]:
    """Decode a polyline string into (lat, lon) points.

    Parameters
    ----------
    polyline
        An encoded polyline.
    precision
        The precision it was encoded with: 5 or 6.

    Returns
    -------
    list of (lat, lon)
        Positions in degrees.

    Raises
    ------
    ValueError
        When the string is truncated or holds a character outside the format.

    Examples
    --------
    >>> decode('_p~iF~ps|U_ulLnnqC_mqNvxq`@', precision=5)
    [(38.5, -120.2), (40.7, -120.95), (43.252, -126.453)]
    """
    factor = 10**precision
    values: list[int] = []
    shift = accumulated = 0
    for position, char in enumerate(polyline):
        chunk = ord(char) - 63
        if not 0 <= chunk < 64:
            raise ValueError(f"polyline character {char!r} at {position} is outside '?'..'~'")
        accumulated |= (chunk & 0x1F) << shift
        shift += 5
        if chunk < 0x20:
            values.append(~(accumulated >> 1) if accumulated & 1 else accumulated >> 1)
            shift = accumulated = 0
    if shift or len(values) % 2:
        raise ValueError(f"polyline of {len(polyline)} characters is truncated")
    points: list[LatLon] = []
    lat_i = lon_i = 0
    for index in range(0, len(values), 2):
        lat_i += values[index]
        lon_i += values[index + 1]
        points.append((lat_i / factor, lon_i / factor))
    return points


def _encode_value(value: int) -> str:
    # Zig-zag the sign into the lowest bit, then emit 5-bit groups, low first.
    remaining = ~(value << 1) if value < 0 else value << 1
    chars: list[str] = []
    while remaining >= 0x20:
        chars.append(chr((0x20 | (remaining & 0x1F)) + 63))
        remaining >>= 5
    chars.append(chr(remaining + 63))
    return "".join(chars)
