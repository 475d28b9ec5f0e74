// The edit page's live preview: while the reviewer types, the form is sent to …/preview and
// the article rendered by the post page's own templates replaces the preview. Without this
// script the Preview button does the same with a page load.
(function () {
  "use strict";
  var form = document.getElementById("edit-form");
  if (!form || !window.fetch || !window.URLSearchParams) { return; }
  var timer = null;
  var asked = 0;
  function refresh() {
    var mine = ++asked;
    var data = new URLSearchParams(new FormData(form));
    data.delete("do");
    fetch(form.getAttribute("data-preview"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: {"content-type": "application/x-www-form-urlencoded"}
    }).then(function (response) {
      return response.text();
    }).then(function (html) {
      var out = document.getElementById("edit-preview-body");
      // Only the newest answer counts; the fragment is the server's escaped markup.
      if (mine === asked && out) { out.outerHTML = html; }
    }).catch(function () { /* the Preview button still works */ });
  }
  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 300);
  });
})();
