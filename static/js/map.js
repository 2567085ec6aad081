// The venues map: Leaflet with circle markers coloured by the last outcome. Tiles only
// when a tile server is configured: offline, the markers show on a plain background.
(function () {
  "use strict";
  var box = document.querySelector("[data-map]");
  if (!box || !window.L) return;
  var COLOURS = { compliant: "#136c2a", needs_improvement: "#b07800", non_compliant: "#a51d16", none: "#6b7280" };
  var map = L.map(box, { zoomSnap: 0.5, maxZoom: 18 });
  var tiles = box.getAttribute("data-tile-url");
  if (tiles) L.tileLayer(tiles, { attribution: box.getAttribute("data-attribution"), maxZoom: 18 }).addTo(map);
  fetch(box.getAttribute("data-points-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      var count = document.querySelector("[data-map-count]");
      if (!data.venues.length) {
        map.setView([20.25, 104.95], 11);
        count.textContent = box.getAttribute("data-msg-empty");
        return;
      }
      var bounds = [];
      data.venues.forEach(function (venue) {
        var marker = L.circleMarker([venue.lat, venue.lon], {
          radius: 8, weight: 2, color: "#fff", fillOpacity: 0.9,
          fillColor: COLOURS[venue.outcome] || COLOURS.none
        }).addTo(map);
        var link = document.createElement("a");
        link.href = data.venue_url + venue.id;
        link.textContent = venue.name;
        marker.bindPopup(link);
        bounds.push([venue.lat, venue.lon]);
      });
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: 15 });
      count.textContent = box.getAttribute("data-msg-count").replace("{n}", data.venues.length);
    });
})();
