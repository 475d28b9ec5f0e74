// The review queue's keys (progressive enhancement: every action also works as a plain form).
// j/k move between rows, a approves, r rejects (asking for the note in a form, never a
// dialog), e edits, o opens, x selects, ? shows the keys. No inline script: CSP forbids it.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }
  ready(function () {
    var table = document.getElementById("queue-table");
    if (!table) { return; }
    var rows = Array.prototype.slice.call(table.querySelectorAll("tr.queue-row"));
    var keys = document.getElementById("keys");
    var decision = document.getElementById("key-decision");
    var note = document.getElementById("key-note");
    var what = document.getElementById("key-what");
    var submit = document.getElementById("key-submit");
    var current = -1;

    keys.hidden = true;
    keys.setAttribute("aria-hidden", "true");
    document.getElementById("show-keys").addEventListener("click", function (event) {
      event.preventDefault();
      toggleKeys();
    });
    document.getElementById("key-cancel").addEventListener("click", closeDecision);

    function toggleKeys() {
      keys.hidden = !keys.hidden;
      if (keys.hidden) { keys.setAttribute("aria-hidden", "true"); } else { keys.removeAttribute("aria-hidden"); }
      if (!keys.hidden) { keys.scrollIntoView({block: "nearest"}); }
    }
    function move(to) {
      if (!rows.length) { return; }
      if (current >= 0) { rows[current].classList.remove("current"); rows[current].removeAttribute("aria-current"); }
      current = Math.max(0, Math.min(rows.length - 1, to));
      var row = rows[current];
      row.classList.add("current");
      row.setAttribute("aria-current", "true");
      row.focus();
    }
    function row() { return current >= 0 ? rows[current] : null; }
    function decide(kind) {
      var r = row();
      if (!r) { return; }
      decision.setAttribute("action", r.getAttribute("data-review") + "/" + kind);
      document.getElementById("key-revision").value = r.getAttribute("data-revision");
      what.textContent = (kind === "approve" ? "Approve: " : "Reject: ") + r.getAttribute("data-title");
      submit.textContent = kind === "approve" ? "Approve" : "Reject";
      note.required = kind === "reject";
      decision.hidden = false;
      note.value = "";
      if (kind === "approve") { decision.submit(); return; }
      note.focus();
    }
    function closeDecision() {
      decision.hidden = true;
      if (row()) { row().focus(); }
    }
    function typing(target) {
      var tag = target && target.tagName;
      return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
    }
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !decision.hidden) { closeDecision(); return; }
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
      var r;
      switch (event.key) {
        case "j": move(current + 1); break;
        case "k": move(current < 0 ? 0 : current - 1); break;
        case "a": decide("approve"); break;
        case "r": decide("reject"); break;
        case "e": r = row(); if (r) { window.location.href = r.getAttribute("data-review") + "/edit"; } break;
        case "o": r = row(); if (r) { window.location.href = r.getAttribute("data-review"); } break;
        case "x": r = row(); if (r) { var box = r.querySelector("input[type=checkbox]"); box.checked = !box.checked; } break;
        case "?": toggleKeys(); break;
        default: return;
      }
      event.preventDefault();
    });
  });
})();
