// ClipCabinet Webhooks dashboard: the little that runs in the browser.
// Loaded as a file (the Content-Security-Policy forbids inline scripts and
// eval); htmx does the talking to the server, this file only does what
// must happen locally:
//   - confirmation dialogs for [data-confirm] forms and htmx elements
//   - copy buttons ([data-copy] names the element whose text is copied)
//   - relative times (<time data-relative datetime="...">) kept current
//   - exact times (<time data-local>) in the viewer's time zone
//   - the page behind the drawer refreshes when the server says deliveries changed (htmx)
//   - the deliveries drawer: focus on open, Escape or a click beside it closes it
//   - a toast when a request fails (server error or no network)
(function () {
  "use strict";

  // ---- Confirmation dialog -------------------------------------------
  // The <dialog id="confirm-dialog"> is in the layout. A form or htmx
  // element with data-confirm="question" asks first; data-confirm-action
  // labels the confirming button (default "Confirm"); data-confirm-danger
  // makes it red.
  function askConfirm(el, proceed) {
    var dlg = document.getElementById("confirm-dialog");
    if (!dlg || typeof dlg.showModal !== "function") {
      if (window.confirm(el.getAttribute("data-confirm"))) proceed();
      return;
    }
    dlg.querySelector("[data-confirm-title]").textContent =
      el.getAttribute("data-confirm-title") || "Are you sure?";
    dlg.querySelector("[data-confirm-message]").textContent = el.getAttribute("data-confirm");
    var ok = dlg.querySelector("[data-confirm-ok]");
    ok.textContent = el.getAttribute("data-confirm-action") || "Confirm";
    ok.classList.toggle("btn-danger", el.hasAttribute("data-confirm-danger"));
    ok.classList.toggle("btn-primary", !el.hasAttribute("data-confirm-danger"));
    var onClose = function () {
      dlg.removeEventListener("close", onClose);
      if (dlg.returnValue === "ok") proceed();
      var back = el.matches("form") ? el.querySelector("button, [type=submit]") : el;
      if (back && document.contains(back)) back.focus();
    };
    dlg.returnValue = "";
    dlg.addEventListener("close", onClose);
    dlg.showModal();
    dlg.querySelector("[data-confirm-cancel]").focus();
  }

  // Plain forms (not driven by htmx).
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.hasAttribute("data-confirm") || form.hasAttribute("hx-post")) return;
    if (form.dataset.confirmed === "yes") return;
    e.preventDefault();
    askConfirm(form, function () {
      form.dataset.confirmed = "yes";
      var c = form.querySelector("input[name=confirm]");
      if (c) c.value = "yes";
      form.requestSubmit ? form.requestSubmit() : form.submit();
    });
  });

  // htmx elements: htmx fires htmx:confirm before every request.
  document.addEventListener("htmx:confirm", function (e) {
    var el = e.detail.elt;
    if (!el || !el.hasAttribute("data-confirm")) return;
    e.preventDefault();
    askConfirm(el, function () { e.detail.issueRequest(true); });
  });

  // ---- Copy buttons ----------------------------------------------------
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var ta = document.createElement("textarea");
      ta.value = text;
      ta.setAttribute("readonly", "");
      ta.className = "visually-hidden";
      document.body.appendChild(ta);
      ta.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
      document.body.removeChild(ta);
      ok ? resolve() : reject(new Error("copy failed"));
    });
  }

  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-copy]");
    if (!btn) return;
    var src = document.getElementById(btn.getAttribute("data-copy"));
    if (!src) return;
    var label = btn.getAttribute("data-label") || btn.textContent;
    btn.setAttribute("data-label", label);
    copyText(src.textContent.trim()).then(function () {
      btn.textContent = "Copied";
      btn.classList.add("copied");
    }, function () {
      btn.textContent = "Press Ctrl+C";
      var range = document.createRange();
      range.selectNodeContents(src);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    });
    window.setTimeout(function () {
      btn.textContent = label;
      btn.classList.remove("copied");
    }, 2000);
  });

  // ---- Relative times --------------------------------------------------
  var units = [
    ["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]
  ];
  function relative(date) {
    var secs = Math.round((date.getTime() - Date.now()) / 1000);
    var abs = Math.abs(secs);
    if (abs < 5) return secs >= 0 ? "now" : "just now";
    for (var i = 0; i < units.length; i++) {
      if (abs >= units[i][1] || units[i][0] === "second") {
        var n = Math.floor(abs / units[i][1]);
        var s = n + " " + units[i][0] + (n === 1 ? "" : "s");
        return secs >= 0 ? "in " + s : s + " ago";
      }
    }
    return "";
  }
  function refreshTimes(root) {
    var els = (root || document).querySelectorAll("time[data-relative]");
    for (var i = 0; i < els.length; i++) {
      var d = new Date(els[i].getAttribute("datetime"));
      if (!isNaN(d.getTime())) els[i].textContent = relative(d);
    }
  }
  window.setInterval(refreshTimes, 10000);

  // ---- Local times -----------------------------------------------------
  // The server writes every exact time in UTC (views.Stamp), so the page
  // reads the same without JavaScript; here it becomes the viewer's local
  // time in one format, "30 Nov 2026, 12:42:10 EST", with UTC kept in the
  // title. Month names are fixed, not the locale's, so it is one format.
  var months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var clock = null, zone = null;
  try {
    clock = new Intl.DateTimeFormat("en-US", {
      year: "numeric", month: "numeric", day: "numeric",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"
    });
    zone = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" });
  } catch (err) { clock = null; }
  function partsOf(fmt, d) {
    var p = {};
    fmt.formatToParts(d).forEach(function (x) { p[x.type] = x.value; });
    return p;
  }
  function localText(d) {
    var p = partsOf(clock, d);
    var z = partsOf(zone, d).timeZoneName || "";
    return p.day + " " + months[Number(p.month) - 1] + " " + p.year + ", " +
      p.hour + ":" + p.minute + ":" + p.second + (z ? " " + z : "");
  }
  function localTimes(root) {
    if (!clock || !root || !root.querySelectorAll) return;
    var els = Array.prototype.slice.call(root.querySelectorAll("time[data-local]"));
    if (root.matches && root.matches("time[data-local]")) els.push(root);
    for (var i = 0; i < els.length; i++) {
      var d = new Date(els[i].getAttribute("datetime"));
      if (!isNaN(d.getTime())) els[i].textContent = localText(d);
    }
  }
  // htmx:load fires for the page and for every piece htmx swaps in.
  document.addEventListener("htmx:load", function (e) { localTimes(e.detail.elt); });

  // ---- Drawer ----------------------------------------------------------
  document.addEventListener("htmx:afterSettle", function (e) {
    refreshTimes(e.target);
    var t = e.detail.target;
    if (!t) return;
    // Focus moves when the drawer's view changes (its own swaps), not when
    // a row or the live part of a detail refreshes itself.
    if (t.id === "drawer") {
      var focus = t.querySelector("[data-autofocus]");
      if (focus) focus.focus();
    }
  });
  // A click beside the drawer closes it, like Escape.
  document.addEventListener("click", function (e) {
    if (!e.target.classList || !e.target.classList.contains("drawer-backdrop")) return;
    var close = document.querySelector("#drawer [data-drawer-close]");
    if (close) close.click();
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    if (document.querySelector("dialog[open]")) return;
    var close = document.querySelector("#drawer [data-drawer-close]");
    if (close) close.click();
  });

  // ---- Errors ----------------------------------------------------------
  function toast(msg) {
    var box = document.getElementById("toast");
    if (!box) return;
    box.textContent = msg;
    box.hidden = false;
    window.clearTimeout(box._timer);
    box._timer = window.setTimeout(function () { box.hidden = true; }, 6000);
  }
  document.addEventListener("htmx:responseError", function (e) {
    var code = e.detail.xhr ? e.detail.xhr.status : 0;
    if (code === 403) {
      toast("The server refused this request (403). Reload the page and try again.");
    } else if (code === 401) {
      window.location.assign("/login");
    } else if (code === 410) {
      toast("This endpoint was deleted: nothing about it can be changed. Reload the page to see its history.");
    } else {
      toast("Something went wrong on the server (" + code + "). Try again in a moment.");
    }
  });
  document.addEventListener("htmx:sendError", function () {
    toast("Could not reach the server. Check your connection; the page will catch up when it is back.");
  });

  document.addEventListener("DOMContentLoaded", function () {
    refreshTimes(document);
    localTimes(document);
  });
})();
