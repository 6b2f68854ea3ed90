"""A tiny OpenStreetMap extract written on the spot (pyosmium), for tests and benchmarks that
must run without the reference data."""

from pathlib import Path

import osmium
from osmium.osm.mutable import Node, Way

STREETS: dict[str, list[tuple[float, float]]] = {
    "Mäkelänkatu": [(60.1900, 24.9500), (60.1950, 24.9520), (60.2000, 24.9540)],
    "Mannerheimintie": [(60.1700, 24.9380), (60.1750, 24.9330), (60.1800, 24.9280)],
    "Baker Street": [(60.1600, 24.9600), (60.1620, 24.9650)],
    "Boulevard des Moulins": [(60.1500, 24.9200), (60.1520, 24.9250)],
    "Koskikatu": [(60.2100, 24.9000), (60.2110, 24.9010)],
    "Kuskikatu": [(60.2200, 24.8800), (60.2210, 24.8810)],
}
"""Street name → its nodes (lat, lon)."""

SWEDISH: dict[str, str] = {"Mannerheimintie": "Mannerheimvägen"}
"""The `name:sv` of a street, as on Helsinki's bilingual streets."""

ADDRESSES: list[tuple[str, str, float, float]] = [
    ("Mäkelänkatu", "12 B", 60.1951, 24.9525),
    ("Mäkelänkatu", "12 A", 60.1949, 24.9519),
    ("Mäkelänkatu", "20-22", 60.1990, 24.9537),
    ("Mannerheimintie", "1", 60.1702, 24.9383),
    ("Mannerheimintie", "5", 60.1740, 24.9340),
    ("Baker Street", "221b", 60.1610, 24.9625),
    ("Boulevard des Moulins", "12", 60.1510, 24.9225),
    ("Koskikatu", "5", 60.2105, 24.9005),
    ("Kuskikatu", "5", 60.2205, 24.8805),
]
"""(street, house number, lat, lon) of the address nodes."""

BUILDING = ("Mannerheimintie", "3", 60.1720, 24.9360)
"""A building way carrying an address; its centre is the point given."""

PLACE = ("Kallio", 60.1840, 24.9500)


def write_tiny_extract(path: Path) -> Path:
    """Write the streets, addresses, one addressed building and one place to `path`."""
    path.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(path))
    try:
        next_id = 1
        way_nodes: dict[str, list[int]] = {}
        for name, nodes in STREETS.items():
            way_nodes[name] = []
            for lat, lon in nodes:
                writer.add_node(Node(id=next_id, location=(lon, lat), tags={}))
                way_nodes[name].append(next_id)
                next_id += 1
        street, number, lat, lon = BUILDING
        corners = [(lat - 1e-4, lon - 2e-4), (lat - 1e-4, lon + 2e-4), (lat + 1e-4, lon + 2e-4)]
        corners.append((lat + 1e-4, lon - 2e-4))
        building_nodes = []
        for corner_lat, corner_lon in corners:
            writer.add_node(Node(id=next_id, location=(corner_lon, corner_lat), tags={}))
            building_nodes.append(next_id)
            next_id += 1
        for street_name, housenumber, a_lat, a_lon in ADDRESSES:
            tags = {"addr:street": street_name, "addr:housenumber": housenumber}
            if street_name == "Mäkelänkatu":
                tags |= {"addr:postcode": "00510", "addr:city": "Helsinki"}
            writer.add_node(Node(id=next_id, location=(a_lon, a_lat), tags=tags))
            next_id += 1
        place, p_lat, p_lon = PLACE
        writer.add_node(
            Node(id=next_id, location=(p_lon, p_lat), tags={"place": "suburb", "name": place})
        )
        for way_id, (name, ids) in enumerate(way_nodes.items(), start=1):
            tags = {"highway": "residential", "name": name}
            if name in SWEDISH:
                tags["name:sv"] = SWEDISH[name]
            writer.add_way(Way(id=way_id, nodes=ids, tags=tags))
        tags = {"building": "yes", "addr:street": street, "addr:housenumber": number}
        writer.add_way(Way(id=100, nodes=[*building_nodes, building_nodes[0]], tags=tags))
    finally:
        writer.close()
    return path
