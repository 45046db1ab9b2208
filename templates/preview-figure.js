// Figure page: draw the network from the inlined cytoscape.js elements, stylesheet and layout.
(function () {
  "use strict";
  var view = JSON.parse(document.getElementById("network-data").textContent);
  var container = document.getElementById("network");
  container.style.backgroundColor = view.background;
  if (typeof cytoscape === "undefined") {
    container.hidden = true;
    document.getElementById("network-missing").hidden = false;
    return;
  }
  window.cy = cytoscape({
    container: container,
    elements: view.elements,
    style: view.style,
    layout: view.layout,
    minZoom: 0.05,
    maxZoom: 8
  });
  // Arrow keys flip through the figures.
  document.addEventListener("keydown", function (event) {
    if (event.target !== document.body) return;
    var link = document.getElementById(event.key === "ArrowLeft" ? "previous" : event.key === "ArrowRight" ? "next" : "");
    if (link) window.location.href = link.href;
  });
})();
