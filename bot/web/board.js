// Keeps the board current without a reload: every few seconds it asks the board's own address
// for the data's revision (one small query) and, when it changed, swaps in the panels rendered
// anew. Both are the board's own, so a public board needs no token for them, and a board
// opened with ?token=... passes that token on (in the address, so that the panels it gets
// back carry it on to their chart).
(function () {
  "use strict";
  var board = document.getElementById("board");
  var token = new URLSearchParams(window.location.search).get("token");
  var every = Number(board.dataset.poll || 5) * 1000;
  var carried = token ? "&token=" + encodeURIComponent(token) : "";

  function part(name) {
    var address = window.location.pathname + "?part=" + name + carried;
    return fetch(address, { cache: "no-store" }).then(function (answer) {
      if (!answer.ok) throw new Error(name + ": HTTP " + answer.status);
      return answer;
    });
  }

  function shown() {
    var panels = board.querySelector("[data-revision]");
    return panels ? panels.getAttribute("data-revision") : "";
  }

  function check() {
    part("revision")
      .then(function (answer) {
        return answer.json();
      })
      .then(function (body) {
        if (body.revision === shown()) return null;
        return part("panels")
          .then(function (answer) {
            return answer.text();
          })
          .then(function (html) {
            board.innerHTML = html;
          });
      })
      .then(function () {
        document.body.classList.remove("stale");
      })
      .catch(function () {
        // Out of reach for now (or the token was revoked): say so on the screen, keep asking.
        document.body.classList.add("stale");
      })
      .then(function () {
        window.setTimeout(check, every);
      });
  }

  window.setTimeout(check, every);
})();
