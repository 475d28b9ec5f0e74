// Images that cannot be fetched (offline, a dead host) get a locally drawn placeholder of the
// same size instead of a broken-image icon. No inline script anywhere: CSP forbids it.
(function () {
  "use strict";
  function fallback(img) {
    var local = img.getAttribute("data-fallback");
    if (local && img.getAttribute("src") !== local) {
      img.setAttribute("src", local);
    }
  }
  document.addEventListener("error", function (event) {
    var target = event.target;
    if (target && target.tagName === "IMG") { fallback(target); }
  }, true);
  function sweep() {
    var images = document.querySelectorAll("img[data-fallback]");
    for (var i = 0; i < images.length; i++) {
      if (images[i].complete && images[i].naturalWidth === 0) { fallback(images[i]); }
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", sweep);
  } else {
    sweep();
  }
})();
