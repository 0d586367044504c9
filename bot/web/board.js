// Keeps the board current without a reload: every few seconds it asks for the data's
// revision (one small query) and, when it changed, swaps in the panels rendered anew.
(function () {
  "use strict";
  var board = document.getElementById("board");
  var token = new URLSearchParams(window.location.search).get("token");
  var every = Number(board.dataset.poll || 5) * 1000;

  function withToken(url) {
    if (!token) return url;
    return url + (url.indexOf("?") < 0 ? "?" : "&") + "token=" + encodeURIComponent(token);
  }

  function shown() {
    var panels = board.querySelector("[data-revision]");
    return panels ? panels.getAttribute("data-revision") : "";
  }

  function check() {
    fetch(withToken("/api/v1/revision"), { cache: "no-store" })
      .then(function (answer) {
        if (!answer.ok) throw new Error("revision: HTTP " + answer.status);
        return answer.json();
      })
      .then(function (body) {
        if (body.revision === shown()) return null;
        return fetch(withToken(window.location.pathname + "?part=panels"), { cache: "no-store" })
          .then(function (answer) {
            if (!answer.ok) throw new Error("panels: HTTP " + answer.status);
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
        // Out of reach for now: say so on the screen, and keep asking.
        document.body.classList.add("stale");
      })
      .then(function () {
        window.setTimeout(check, every);
      });
  }

  window.setTimeout(check, every);
})();
