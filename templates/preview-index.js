// Index page: render the figure rows matching the search (all words, any field), at most LIMIT at a time.
(function () {
  "use strict";
  var LIMIT = 500;
  var script = document.getElementById("figure-data");
  var rows = JSON.parse(script.textContent);  // [figid, title, organism, node count, NDEx UUID, page file?]
  var viewer = script.getAttribute("data-ndex-viewer");
  var haystacks = rows.map(function (row) { return (row[0] + " " + row[1] + " " + row[2]).toLowerCase(); });
  var search = document.getElementById("search");
  var tbody = document.querySelector("#figures tbody");
  var status = document.getElementById("status");
  var more = document.getElementById("more");

  function cell(tr, text, href) {
    var td = document.createElement("td");
    if (href) {
      var a = document.createElement("a");
      a.href = href;
      a.textContent = text;
      td.appendChild(a);
    } else {
      td.textContent = text;
    }
    tr.appendChild(td);
  }

  function render() {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var fragment = document.createDocumentFragment();
    var matches = 0;
    for (var i = 0; i < rows.length; i++) {
      var haystack = haystacks[i];
      if (!words.every(function (word) { return haystack.indexOf(word) !== -1; })) continue;
      matches++;
      if (matches > LIMIT) continue;
      var row = rows[i], tr = document.createElement("tr");
      cell(tr, row[0], encodeURI(row.length > 5 ? row[5] : row[0] + ".html"));
      cell(tr, row[1]);
      cell(tr, row[2]);
      cell(tr, String(row[3]));
      cell(tr, row[4] ? "NDEx" : "", row[4] ? viewer + encodeURIComponent(row[4]) : null);
      fragment.appendChild(tr);
    }
    tbody.replaceChildren(fragment);
    status.textContent = matches + " of " + rows.length + " figures";
    more.hidden = matches <= LIMIT;
    more.textContent = "Showing the first " + LIMIT + " of " + matches + " matches: refine the search to see the others.";
    if (history.replaceState) history.replaceState(null, "", search.value ? "#q=" + encodeURIComponent(search.value) : "#");
  }

  if (location.hash.indexOf("#q=") === 0) search.value = decodeURIComponent(location.hash.slice(3));
  search.addEventListener("input", render);
  render();
})();
