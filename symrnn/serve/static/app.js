// symrnn serve: a live preview of how the checker reads the answer (MathML made on the server).
// The server sends MathML rebuilt from a whitelist; a message is set as text, never as HTML.
(function () {
  "use strict";
  var form = document.getElementById("answer-form");
  var box = document.getElementById("answer");
  var out = document.getElementById("preview");
  if (!form || !box || !out) { return; }
  var timer = null;
  var seq = 0;
  function show(data, mine) {
    if (mine !== seq) { return; }  // an older reply that arrived late
    out.className = data.ok ? "ok" : "problem";
    if (data.ok) { out.innerHTML = data.mathml; } else { out.textContent = data.message; }
  }
  function ask() {
    var mine = ++seq;
    var body = new URLSearchParams();
    body.set("csrf", form.elements.csrf.value);
    body.set("q", form.getAttribute("action").split("/").pop());
    body.set("answer", box.value);
    fetch("/preview", {method: "POST", body: body, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {ok: false, message: "preview unavailable (" + r.status + ")"}; })
      .then(function (data) { show(data, mine); })
      .catch(function () { show({ok: false, message: out.getAttribute("data-unavailable") || "preview unavailable"}, mine); });
  }
  box.addEventListener("input", function () {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(ask, 300);
  });
  if (box.value) { ask(); }
})();
