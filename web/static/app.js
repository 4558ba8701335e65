// strengthsync: small enhancements. Every page works without this file.
"use strict";
(function () {
  // The browser's zone is the fallback after the calendar's own.
  try {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    document.querySelectorAll('input[name="browser_tz"]').forEach(function (el) { if (!el.value) el.value = tz; });
  } catch (e) { /* no Intl: the server falls back to UTC */ }

  // Copy buttons.
  document.querySelectorAll("[data-copy]").forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var input = document.getElementById(btn.getAttribute("data-copy"));
      var status = btn.parentNode.querySelector(".copied");
      var done = function () { if (status) status.textContent = "Copied"; };
      input.select();
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });

  // Changes that cannot be undone ask first, in a dialog.
  document.querySelectorAll("form[data-dialog]").forEach(function (form) {
    var dlg = document.getElementById(form.getAttribute("data-dialog"));
    if (!dlg || !dlg.showModal) return;
    form.addEventListener("submit", function (ev) { ev.preventDefault(); dlg.showModal(); });
    dlg.querySelector("[data-close]").addEventListener("click", function () { dlg.close(); });
  });

  // The preview follows the settings.
  var form = document.querySelector("form[data-preview]");
  if (!form) return;
  var target = form.getAttribute("data-preview");
  var timer = null, seq = 0;
  function preview() {
    var sources = form.querySelector('[name="sources"]');
    if (!sources.value.trim()) return;
    var mine = ++seq;
    var region = document.getElementById("preview");
    region.setAttribute("aria-busy", "true");
    fetch(target, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(new FormData(form)).toString()
    }).then(function (res) { return res.text(); }).then(function (html) {
      if (mine !== seq) return;
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.getElementById("preview");
      if (fresh) region.replaceWith(fresh);
      var err = document.getElementById("form-error"), ferr = doc.getElementById("form-error");
      if (err) err.remove();
      if (ferr) form.parentNode.insertBefore(ferr, form);
      var tok = doc.querySelector('#plan-form [name="form_token"]');
      if (tok) form.querySelector('[name="form_token"]').value = tok.value;
    }).catch(function () {
      region.removeAttribute("aria-busy");
    });
  }
  function soon(delay) { clearTimeout(timer); timer = setTimeout(preview, delay); }
  form.addEventListener("change", function () { soon(150); });
  form.addEventListener("input", function (ev) { if (ev.target.type === "number") soon(600); });
  document.getElementById("preview-button").addEventListener("click", function (ev) { ev.preventDefault(); preview(); });
})();
