// The venues map: Leaflet with circle markers coloured by the last outcome. Tiles only
// when a tile server is configured: offline, the markers show on a plain background.
// A province or the country has too many venues to draw: the server then sends counts per
// cell of a grid (fieldapp/map/points.py), drawn as numbered circles; a tap on one zooms
// to its venues, and each move of the map asks again for what its box holds.
(function () {
  "use strict";
  var box = document.querySelector("[data-map]");
  if (!box || !window.L) return;
  var OUTCOMES = JSON.parse(box.getAttribute("data-outcome-labels") || "{}");
  var COLOURS = { compliant: "#136c2a", needs_improvement: "#b07800", non_compliant: "#a51d16", none: "#6b7280" };
  var map = L.map(box, { zoomSnap: 0.5, maxZoom: 18 });
  var tiles = box.getAttribute("data-tile-url");
  if (tiles) L.tileLayer(tiles, { attribution: box.getAttribute("data-attribution"), maxZoom: 18 }).addTo(map);
  var layer = L.layerGroup().addTo(map);
  var count = document.querySelector("[data-map-count]");
  var asked = 0; // answers to earlier boxes that arrive late are dropped
  var timer = null;
  var placed = false;
  var complete = false; // every venue of the area is drawn: moving needs no new answer

  function message(name, n) {
    return box.getAttribute(name).replace("{n}", n.toLocaleString("vi-VN"));
  }

  function drawVenues(data) {
    data.venues.forEach(function (venue) {
      var marker = L.circleMarker([venue.lat, venue.lon], {
        radius: 8, weight: 2, color: "#fff", fillOpacity: 0.9,
        fillColor: COLOURS[venue.outcome] || COLOURS.none
      }).addTo(layer);
      // The popup: the venue's name, its last outcome in words, and a button-sized link.
      var card = document.createElement("div");
      card.className = "map-popup";
      var name = document.createElement("strong");
      name.textContent = venue.name;
      var outcome = document.createElement("span");
      outcome.className = "map-popup-outcome";
      outcome.setAttribute("data-outcome", venue.outcome);
      outcome.textContent = OUTCOMES[venue.outcome] || OUTCOMES.none || "";
      var link = document.createElement("a");
      link.className = "btn btn-secondary map-popup-open";
      link.href = data.venue_url + venue.id;
      link.textContent = box.getAttribute("data-msg-open");
      card.append(name, outcome, link);
      marker.bindPopup(card);
    });
    count.textContent = message("data-msg-count", data.venues.length);
  }

  function drawCells(data) {
    data.cells.forEach(function (cell) {
      var size = cell.count >= 10000 ? "l" : cell.count >= 1000 ? "m" : "s";
      var label = document.createElement("span");
      label.textContent = cell.count.toLocaleString("vi-VN");
      label.setAttribute("data-map-cell", cell.count);
      var marker = L.marker([cell.lat, cell.lon], {
        icon: L.divIcon({ className: "map-cell map-cell-" + size, html: label, iconSize: null }),
        title: message("data-msg-cell", cell.count),
        alt: message("data-msg-cell", cell.count)
      }).addTo(layer);
      marker.on("click", function () {
        var b = cell.bounds;
        if (b[0][0] === b[1][0] && b[0][1] === b[1][1]) map.setView(b[0], map.getMaxZoom());
        else map.fitBounds(b, { padding: [20, 20] });
      });
    });
    count.textContent = message("data-msg-cells", data.total);
  }

  function load(withBox) {
    var url = box.getAttribute("data-points-url");
    if (withBox) {
      var b = map.getBounds();
      url += "?bbox=" + [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()].map(function (v) { return v.toFixed(5); }).join(",");
    }
    var mine = ++asked;
    box.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        if (mine !== asked) return;
        box.removeAttribute("aria-busy");
        layer.clearLayers();
        if (!placed) {
          placed = true;
          if (!data.bounds) {
            map.setView([20.25, 104.95], 11);
            count.textContent = box.getAttribute("data-msg-empty");
            return;
          }
          complete = !data.cells.length;
          map.fitBounds(data.bounds, { padding: [20, 20], maxZoom: 15 });
        }
        if (data.cells.length) drawCells(data);
        else if (data.venues.length || withBox) drawVenues(data);
      })
      .catch(function () {
        if (mine !== asked) return;
        box.removeAttribute("aria-busy");
        count.textContent = box.getAttribute("data-msg-failed");
      });
  }

  map.on("moveend", function () {
    if (!placed || complete) return;
    clearTimeout(timer);
    timer = setTimeout(function () { load(true); }, 300);
  });
  load(false);
})();
