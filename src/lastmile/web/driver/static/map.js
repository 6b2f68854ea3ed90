// The route map: Leaflet from our own server; tiles when the configured tile server answers,
// otherwise our own road layer from the imported map, under the route, the path and the stops.
/* global L */
import { session } from "./api.js";
import { addBaseLayer } from "/static/maps/roads.js";

let map = null;
let layers = null;

export function decodePolyline(encoded, precision = 6) {
  const factor = 10 ** precision;
  const points = [];
  let index = 0;
  let lat = 0;
  let lon = 0;
  while (index < encoded.length) {
    for (const axis of [0, 1]) {
      let result = 0;
      let shift = 0;
      let byte;
      do {
        byte = encoded.charCodeAt(index++) - 63;
        result |= (byte & 0x1f) << shift;
        shift += 5;
      } while (byte >= 0x20);
      const delta = result & 1 ? ~(result >> 1) : result >> 1;
      if (axis === 0) lat += delta;
      else lon += delta;
    }
    points.push([lat / factor, lon / factor]);
  }
  return points;
}

function ensureMap(node) {
  if (map || typeof L === "undefined") return map;
  map = L.map(node, { zoomControl: true, attributionControl: Boolean(node.dataset.tileUrl) });
  addBaseLayer(map, {
    tileUrl: node.dataset.tileUrl,
    roadsUrl: (bbox, zoom) => `/api/v1/map/roads?bbox=${bbox}&zoom=${zoom}`,
    headers: () => (session()?.token ? { Authorization: `Bearer ${session().token}` } : {}),
  });
  layers = L.layerGroup().addTo(map);
  return map;
}

const MARKER_PX = 28;

// Stops at the same door (a block of flats, a shopping centre) would hide each other's
// numbers: each after the first at a point is set on a ring around it, clear of the others.
function markerAnchors(stops) {
  const seen = new Map();
  return stops.map((stop) => {
    const key = `${stop.lat.toFixed(5)},${stop.lon.toFixed(5)}`;
    const index = seen.get(key) ?? 0;
    seen.set(key, index + 1);
    if (index === 0) return [MARKER_PX / 2, MARKER_PX / 2];
    const angle = (index - 1) * (Math.PI / 3);
    const ring = 1.5 * MARKER_PX * (1 + Math.floor((index - 1) / 6));
    return [MARKER_PX / 2 - ring * Math.cos(angle), MARKER_PX / 2 - ring * Math.sin(angle)];
  });
}

/** Draw the route, its stops, the path to the next stop and the phone's position. */
export function drawRoute(node, route, path, here) {
  node.dataset.tileUrl = document.getElementById("app").dataset.tileUrl;
  if (!ensureMap(node)) return;
  layers.clearLayers();
  const bounds = [];
  if (route.polyline6) {
    const line = decodePolyline(route.polyline6);
    L.polyline(line, { color: "#6b7a90", weight: 4 }).addTo(layers);
    bounds.push(...line);
  } else if (route.stops.length > 1) {
    const line = route.stops.map((s) => [s.lat, s.lon]);
    L.polyline(line, { color: "#6b7a90", weight: 3, dashArray: "6 6" }).addTo(layers);
  }
  if (path?.polyline6) {
    const line = decodePolyline(path.polyline6);
    const dashed = path.source !== "road";
    L.polyline(line, { color: "#0b3d91", weight: 6, dashArray: dashed ? "10 8" : null, className: "path-next" }).addTo(layers);
    bounds.push(...line);
  }
  const located = route.stops.filter((s) => s.lat != null && s.lon != null);
  const anchors = markerAnchors(located);
  located.forEach((stop, i) => {
    const icon = L.divIcon({
      className: `stop-marker status-${stop.status}`,
      html: `<span>${stop.sequence + 1}</span>`,
      iconSize: [MARKER_PX, MARKER_PX],
      iconAnchor: anchors[i],
    });
    L.marker([stop.lat, stop.lon], { icon, title: stop.address, keyboard: false }).addTo(layers);
    bounds.push([stop.lat, stop.lon]);
  });
  if (here) {
    L.circleMarker([here.lat, here.lon], { radius: 8, color: "#fff", weight: 3, fillColor: "#d40000", fillOpacity: 1 }).addTo(layers);
    bounds.push([here.lat, here.lon]);
  }
  // The map is measured before fitting: fitted while its view was hidden (0 × 0), it kept a
  // one-point view, and the road layer, loaded for that view, covered only a patch.
  map.invalidateSize();
  if (bounds.length) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
}
