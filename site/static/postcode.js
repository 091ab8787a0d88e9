// "Find your ward by postcode" on the public dashboard: a progressive enhancement. Without
// this script the form stays hidden and the list of wards does the job. Nothing leaves the
// page: the postcode's sector ("B60 1AA" -> "B60 1") is looked up in the index the page
// carries (built from the ONS lookups), so no postcode is sent anywhere.
(function () {
  "use strict";
  var form = document.getElementById("postcode-form");
  var index = document.getElementById("postcode-sectors");
  if (!form || !index) {
    return;
  }
  var input = document.getElementById("postcode");
  var result = document.getElementById("postcode-result");
  var root = form.getAttribute("data-root");
  var here = form.getAttribute("data-council");
  form.hidden = false;

  function sectorOf(text) {
    var compact = text.toUpperCase().replace(/[^A-Z0-9]/g, "");
    // A full postcode ends in a three-character inward code ("1AA"); a sector ends in its
    // first digit ("B601" -> "B60 1").
    if (/^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$/.test(compact)) {
      return compact.slice(0, -3) + " " + compact.charAt(compact.length - 3);
    }
    if (/^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9]$/.test(compact)) {
      return compact.slice(0, -1) + " " + compact.charAt(compact.length - 1);
    }
    return null;
  }

  function wardLink(ward) {
    var link = document.createElement("a");
    link.className = "govuk-link";
    link.href = root + ward[0] + "/wards/" + ward[1] + "/index.html";
    link.textContent = ward[2];
    return link;
  }

  function say(text, wards) {
    result.textContent = "";
    var paragraph = document.createElement("p");
    paragraph.className = "govuk-body";
    paragraph.textContent = text;
    result.appendChild(paragraph);
    if (wards && wards.length) {
      var list = document.createElement("ul");
      list.className = "govuk-list";
      wards.forEach(function (ward) {
        var item = document.createElement("li");
        item.appendChild(wardLink(ward));
        list.appendChild(item);
      });
      result.appendChild(list);
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    // Read when asked, not at load: the index is data, and reading it late costs nothing.
    var sectors = JSON.parse(index.textContent);
    var sector = sectorOf(input.value);
    if (!sector) {
      say("Enter a full postcode, like B60 1AA, or choose your ward from the list below.");
      return;
    }
    var wards = sectors[sector] || [];
    var ours = wards.filter(function (ward) { return ward[0] === here; });
    if (ours.length === 1 && wards.length === 1) {
      window.location.href = wardLink(ours[0]).href;
      return;
    }
    if (!wards.length) {
      say("We could not find the postcode area " + sector + " in this council or its neighbour. Choose your ward from the list below.");
      return;
    }
    if (wards.length === 1) {
      say("The postcode area " + sector + " is in a ward of a neighbouring council:", wards);
      return;
    }
    say("The postcode area " + sector + " covers more than one ward. Choose yours:", wards);
  });
})();
