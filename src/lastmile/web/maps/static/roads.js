// The base map of every page: the configured tile server when it answers, otherwise our own
// road layer drawn on a canvas from the imported map (GET /api/v1/map/roads), reloaded as the
// view moves. Shared by the driver app, the Control Tower and the tracking page.
/* global L */

const STYLES = [
  { color: "#9aa3ad", weight: 5 },
  { color: "#b3bac2", weight: 3.5 },
  { color: "#c9ced4", weight: 2 },
];
const FAILED_TILES = 3;

/**
 * Give `map` a base layer. `options.tileUrl`: the configured tile URL (may be empty);
 * `options.roadsUrl(bbox, zoom)`: the URL of our road layer for a box; `options.headers()`:
 * extra request headers (the driver's token). Returns a handle whose `mode` is "tiles" or
 * "roads"; the map's container gets `data-base-layer` with the same value.
 */
export function addBaseLayer(map, options) {
  const handle = { mode: "tiles", tiles: null, roads: null, loaded: 0 };
  const container = map.getContainer();
  const useRoads = () => {
    if (handle.mode === "roads") return;
    handle.mode = "roads";
    container.dataset.baseLayer = "roads";
    if (handle.tiles) map.removeLayer(handle.tiles);
    handle.roads = roadLayer(map, options, handle);
  };
  if (!options.tileUrl) {
    useRoads();
    return handle;
  }
  container.dataset.baseLayer = "tiles";
  let failed = 0;
  let good = 0;
  handle.tiles = L.tileLayer(options.tileUrl, { maxZoom: 19, attribution: options.attribution || "" });
  handle.tiles.on("tileload", () => { good += 1; });
  handle.tiles.on("tileerror", () => {
    failed += 1;
    if (good === 0 && failed >= FAILED_TILES) useRoads();
  });
  handle.tiles.addTo(map);
  return handle;
}

function roadLayer(map, options, handle) {
  if (!map.getPane("roads")) map.createPane("roads").style.zIndex = 250;
  const renderer = L.canvas({ padding: 0.2, pane: "roads" });
  const group = L.layerGroup().addTo(map);
  let controller = null;
  let lastKey = "";
  const reload = async () => {
    const zoom = Math.round(map.getZoom());
    const b = map.getBounds();
    const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
    const box = [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
                 clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)].map((v) => v.toFixed(4));
    const [west, south, east, north] = box.map(Number);
    // Nothing to ask for: a map not laid out yet (a zero-size box). Zoomed out past what the
    // road layer serves, the server answers no roads and none are drawn.
    if (!(west < east && south < north)) return;
    const bbox = box.join(",");
    const key = `${bbox}/${zoom}`;
    if (key === lastKey) return;
    lastKey = key;
    if (controller) controller.abort();
    controller = new AbortController();
    let geojson;
    try {
      const response = await fetch(options.roadsUrl(bbox, zoom), {
        headers: { Accept: "application/geo+json", ...(options.headers ? options.headers() : {}) },
        signal: controller.signal,
      });
      if (!response.ok) {
        map.getContainer().dataset.roadsError = String(response.status);
        return;
      }
      geojson = await response.json();
    } catch (error) {
      if (error.name !== "AbortError") map.getContainer().dataset.roadsError = "network";
      return;
    }
    group.clearLayers();
    for (const feature of geojson.features) {
      const style = STYLES[feature.properties.level] || STYLES[2];
      L.geoJSON(feature, { renderer, interactive: false, style: () => ({ ...style, opacity: 1 }) }).addTo(group);
    }
    handle.loaded += 1;
    map.getContainer().dataset.roadsLoaded = String(handle.loaded);
  };
  map.on("moveend", reload);
  if (map._loaded) reload();
  else map.whenReady(reload);
  return group;
}
