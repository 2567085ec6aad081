// The venues map: Leaflet with circle markers coloured by the last outcome. Tiles only
// when a tile server is configured: offline, the markers show on a plain background.
// A province or the country has too many venues to draw: the server then sends counts per
// cell of a grid (fieldapp/map/points.py), drawn as numbered circles; a tap on one zooms
// to its venues, and each move of the map asks again for what its box holds. Venues at
// one place share a marker whose popup lists them (samePlaces).
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

  // The popup's card of one venue: its name, its last outcome in words, a button-sized link.
  function venueCard(venue, url, tag) {
    var card = document.createElement(tag);
    card.className = "map-popup-venue";
    var name = document.createElement("strong");
    name.textContent = venue.name;
    var outcome = document.createElement("span");
    outcome.className = "map-popup-outcome";
    outcome.setAttribute("data-outcome", venue.outcome);
    outcome.textContent = OUTCOMES[venue.outcome] || OUTCOMES.none || "";
    var link = document.createElement("a");
    link.className = "btn btn-secondary map-popup-open";
    link.href = url + venue.id;
    link.textContent = box.getAttribute("data-msg-open");
    card.append(name, outcome, link);
    return card;
  }

  // Venues closer together than a marker's width at the map's deepest zoom (one building,
  // the stalls of a market, a position typed twice) can never be tapped apart: they share
  // one numbered marker whose popup lists each of them with its own link.
  var MARKER_PX = 20; // a venue's dot: radius 8 and a border of 2
  var WORST_FIRST = ["non_compliant", "needs_improvement", "compliant", "none"];

  function samePlaces(venues) {
    var deepest = map.getMaxZoom();
    var groups = [];
    var grid = {};
    venues.forEach(function (venue) {
      var point = map.project([venue.lat, venue.lon], deepest);
      var x = Math.floor(point.x / MARKER_PX), y = Math.floor(point.y / MARKER_PX);
      var found = null;
      for (var dx = -1; dx <= 1 && !found; dx++) {
        for (var dy = -1; dy <= 1 && !found; dy++) {
          (grid[(x + dx) + ":" + (y + dy)] || []).forEach(function (group) {
            if (!found && group.point.distanceTo(point) < MARKER_PX) found = group;
          });
        }
      }
      if (!found) {
        found = { point: point, venues: [] };
        groups.push(found);
        (grid[x + ":" + y] = grid[x + ":" + y] || []).push(found);
      }
      found.venues.push(venue);
    });
    return groups;
  }

  function drawVenue(venue, url) {
    var marker = L.circleMarker([venue.lat, venue.lon], {
      radius: 8, weight: 2, color: "#fff", fillOpacity: 0.9,
      fillColor: COLOURS[venue.outcome] || COLOURS.none
    }).addTo(layer);
    var card = venueCard(venue, url, "div");
    card.classList.add("map-popup");
    marker.bindPopup(card);
  }

  function drawSamePlace(venues, url) {
    var worst = WORST_FIRST.filter(function (outcome) {
      return venues.some(function (venue) { return venue.outcome === outcome; });
    })[0] || "none";
    var label = document.createElement("span");
    label.textContent = venues.length;
    label.setAttribute("data-map-place", venues.length);
    label.style.background = COLOURS[worst];
    var title = message("data-msg-place", venues.length);
    var first = venues[0];
    var marker = L.marker([first.lat, first.lon], {
      icon: L.divIcon({ className: "map-place", html: label, iconSize: null }),
      title: title,
      alt: title
    }).addTo(layer);
    var card = document.createElement("div");
    card.className = "map-popup map-popup-place";
    var heading = document.createElement("p");
    heading.className = "map-popup-heading";
    heading.textContent = message("data-msg-place-list", venues.length);
    var list = document.createElement("ul");
    venues.forEach(function (venue) { list.append(venueCard(venue, url, "li")); });
    card.append(heading, list);
    marker.bindPopup(card, { maxHeight: Math.round(box.clientHeight * 0.7) });
  }

  function drawVenues(data) {
    samePlaces(data.venues).forEach(function (group) {
      if (group.venues.length === 1) drawVenue(group.venues[0], data.venue_url);
      else drawSamePlace(group.venues, data.venue_url);
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

  // A popup spans the phone's width: the zoom buttons, above every pane, would cover its
  // first line; they come back when it closes.
  map.on("popupopen", function () { box.classList.add("map-popup-shown"); });
  map.on("popupclose", function () { box.classList.remove("map-popup-shown"); });

  map.on("moveend", function () {
    if (!placed || complete) return;
    clearTimeout(timer);
    timer = setTimeout(function () { load(true); }, 300);
  });
  load(false);
})();
