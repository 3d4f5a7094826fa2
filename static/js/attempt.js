/* The attempt page: answers saved within a second, never lost.
 *
 * Every change goes into a queue kept in localStorage (so a reload, a crash or a lost network keeps
 * it) and is sent by a debounced fetch POST carrying a per-attempt sequence number; the server writes
 * an item only from a save newer than the one that last wrote it, so resending is harmless. The queue
 * is flushed on load, on `online`, every few seconds while anything is pending and before the page
 * is left. The countdown runs from the server's remaining seconds and resyncs with the clock
 * endpoint; the server's deadline is the only truth.
 */
(function () {
  "use strict";
  var root = document.getElementById("attempt");
  if (!root) { return; }
  var attemptId = root.dataset.attempt;
  var KEY = "tinhoc-attempt-" + attemptId;
  var DEBOUNCE_MS = 700;
  var closed = false;
  var inflight = false;
  var timer = null;
  var store = load();
  var seq = Math.max(store.seq || 0, parseInt(root.dataset.lastSeq, 10) || 0);
  var endAt = performance.now() + (parseInt(root.dataset.remaining, 10) || 0) * 1000;
  var statusEl = document.getElementById("save-status");
  var errorEl = document.getElementById("save-error");
  var countdownEl = document.getElementById("countdown");

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY)) || {seq: 0, pending: {}, version: 0}; }
    catch (e) { return {seq: 0, pending: {}, version: 0}; }
  }
  function persist() {
    store.seq = seq;
    try { localStorage.setItem(KEY, JSON.stringify(store)); } catch (e) { /* storage full: the network still saves */ }
  }
  function items() { return Array.prototype.slice.call(root.querySelectorAll(".attempt-item")); }
  function itemEl(id) { return document.getElementById("item-" + id); }
  function field(id) { return "q" + id; }

  // --- reading and writing an item's answer, by question type --------------------------------
  function read(el) {
    var id = el.dataset.item, type = el.dataset.type, name = field(id);
    var inputs = el.querySelectorAll("[name='" + name + "']");
    if (type === "single" || type === "truefalse") {
      var checked = el.querySelector("[name='" + name + "']:checked");
      if (!checked) { return null; }
      return type === "single" ? parseInt(checked.value, 10) : checked.value;
    }
    if (type === "multiple") {
      var values = [];
      Array.prototype.forEach.call(inputs, function (i) { if (i.checked) { values.push(parseInt(i.value, 10)); } });
      return values.length ? values : null;
    }
    if (type === "matching") {
      var pairs = {}, any = false;
      Array.prototype.forEach.call(el.querySelectorAll("select[name^='" + name + "-']"), function (s) {
        if (s.value) { pairs[s.name.slice(name.length + 1)] = s.value; any = true; }
      });
      return any ? pairs : null;
    }
    if (type === "shortanswer" || type === "numerical" || type === "essay") {
      var input = inputs[0];
      return input && input.value !== "" ? input.value : null;
    }
    return null;
  }
  function write(el, response) {
    var id = el.dataset.item, type = el.dataset.type, name = field(id);
    if (response === null || response === undefined) { return; }
    if (type === "single" || type === "truefalse" || type === "multiple") {
      var wanted = [].concat(response).map(String);
      Array.prototype.forEach.call(el.querySelectorAll("[name='" + name + "']"), function (i) {
        i.checked = wanted.indexOf(i.value) >= 0;
      });
    } else if (type === "matching") {
      Object.keys(response).forEach(function (k) {
        var s = el.querySelector("select[name='" + name + "-" + k + "']");
        if (s) { s.value = response[k]; }
      });
    } else if (type === "shortanswer" || type === "numerical" || type === "essay") {
      var input = el.querySelector("[name='" + name + "']");
      if (input) { input.value = response; }
    }
  }
  function flagged(el) { return el.querySelector(".flag-toggle").getAttribute("aria-pressed") === "true"; }
  function setFlag(el, on) { el.querySelector(".flag-toggle").setAttribute("aria-pressed", on ? "true" : "false"); }
  function answered(el) {
    if (el.dataset.type === "file") { return !!el.querySelector(".upload-status a, .upload-status .uploaded"); }
    return read(el) !== null;
  }
  function markGrid(el) {
    var cell = document.querySelector(".nav-cell[data-item='" + el.dataset.item + "']");
    if (!cell) { return; }
    cell.classList.toggle("answered", answered(el));
    cell.classList.toggle("flagged", flagged(el));
  }

  // --- the queue and the saves -------------------------------------------------------------------
  function changed(el) {
    if (closed) { return; }
    store.version = (store.version || 0) + 1;
    store.pending[el.dataset.item] = {response: read(el), flagged: flagged(el), v: store.version};
    persist();
    markGrid(el);
    schedule(remaining() < 10 ? 150 : DEBOUNCE_MS);
  }
  function schedule(ms) {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(flush, ms);
  }
  function show(text, isError) {
    if (isError) { errorEl.textContent = text; } else { statusEl.textContent = text; errorEl.textContent = ""; }
  }
  function flush(keepalive) {
    timer = null;
    var ids = Object.keys(store.pending);
    if (closed || !ids.length) { return; }
    if (inflight) { schedule(300); return; }
    seq += 1;
    persist();
    var sent = {};
    var answers = ids.map(function (id) {
      var p = store.pending[id];
      sent[id] = p.v;
      return {item: parseInt(id, 10), response: p.response, flagged: p.flagged};
    });
    inflight = true;
    show(root.dataset.msgPending, false);
    fetch(root.dataset.saveUrl, {
      method: "POST", credentials: "same-origin", redirect: "manual", keepalive: !!keepalive,
      headers: {"Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf, "Accept": "application/json"},
      body: JSON.stringify({seq: seq, answers: answers})
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("json") >= 0;
      if (response.ok && json) {
        return response.json().then(function (data) {
          Object.keys(sent).forEach(function (id) {
            if (store.pending[id] && store.pending[id].v === sent[id]) { delete store.pending[id]; }
          });
          persist();
          show(root.dataset.msgSaved + " " + data.saved_at, false);
          if (Object.keys(store.pending).length) { schedule(50); }
        });
      }
      if (response.status === 409) {
        return response.json().then(function (data) { close(data.error || root.dataset.msgClosed); });
      }
      if (response.status === 400 && json) {
        return response.json().then(function (data) {
          if (data.csrf) {   // the session changed (logged in again in another tab): new token, send again
            return sync().then(function (fresh) {
              if (!fresh) { throw new Error("no fresh token"); }
              schedule(50);
            });
          }
          // refused as malformed: resending would not help
          Object.keys(sent).forEach(function (id) { delete store.pending[id]; });
          persist();
          show(data.error, true);
        });
      }
      throw new Error("save failed: " + response.status);   // logged out, server error: keep and retry
    }).catch(function () {
      show(navigator.onLine ? root.dataset.msgError : root.dataset.msgOffline, true);
      schedule(5000);
    }).then(function () { inflight = false; });
  }
  function close(message) {
    closed = true;
    store.pending = {};
    persist();
    show(message || root.dataset.msgClosed, true);
    Array.prototype.forEach.call(root.querySelectorAll("input, select, textarea, .flag-toggle"), function (i) {
      i.disabled = true;
    });
  }

  // --- the clock ----------------------------------------------------------------------------
  function remaining() { return Math.max(0, Math.round((endAt - performance.now()) / 1000)); }
  function tick() {
    var left = remaining();
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    countdownEl.textContent = (h ? h + ":" : "") + (m < 10 && h ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    countdownEl.classList.toggle("text-danger", left <= 60);
    if (left <= 0 && !closed) { flush(); setTimeout(sync, 2500); }
  }
  // The server's remaining time, and the session's CSRF token (new after a login in another tab);
  // resolves to whether the token changed.
  function sync() {
    return fetch(root.dataset.clockUrl, {credentials: "same-origin", redirect: "manual",
                                         headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return false; }
        endAt = performance.now() + data.remaining * 1000;
        if (data.state !== "open") { close(root.dataset.msgClosed); }
        var fresh = !!data.csrf && data.csrf !== root.dataset.csrf;
        if (data.csrf) { root.dataset.csrf = data.csrf; }
        return fresh;
      }).catch(function () { return false; /* offline: the local countdown goes on */ });
  }

  // --- wiring -------------------------------------------------------------------------------
  items().forEach(function (el) {
    var id = el.dataset.item;
    var server = (JSON.parse(document.getElementById("saved-answers").textContent) || {})[id] || {};
    write(el, server.response);
    setFlag(el, !!server.flagged);
    var mine = store.pending[id];
    if (mine) { write(el, mine.response); setFlag(el, mine.flagged); }
    markGrid(el);
    if (el.dataset.type === "file") {
      var input = el.querySelector("input[type=file]");
      if (input) { input.addEventListener("change", function () { upload(el, input); }); }
    } else {
      el.addEventListener("change", function (e) { if (!e.target.classList.contains("flag-toggle")) { changed(el); } });
      el.addEventListener("input", function (e) { if (e.target.matches("input[type=text], textarea")) { changed(el); } });
    }
    el.querySelector(".flag-toggle").addEventListener("click", function () {
      setFlag(el, !flagged(el));
      changed(el);
    });
  });
  function upload(el, input) {
    if (!input.files.length || closed) { return; }
    var box = el.querySelector(".upload-status");
    var data = new FormData();
    data.append("file", input.files[0]);
    box.textContent = root.dataset.msgPending;
    fetch(box.dataset.uploadUrl, {method: "POST", credentials: "same-origin", body: data,
                                  headers: {"X-CSRFToken": root.dataset.csrf, "Accept": "application/json"}})
      .then(function (r) { return r.json().then(function (d) { return [r.status, d]; }); })
      .then(function (pair) {
        if (pair[0] === 200) {
          box.innerHTML = "";
          var span = document.createElement("span");
          span.className = "uploaded";
          span.textContent = root.dataset.msgUploaded + ": " + pair[1].filename + " (" + pair[1].size + " B), " + pair[1].saved_at;
          box.appendChild(span);
          show(root.dataset.msgSaved + " " + pair[1].saved_at, false);
        } else {
          box.textContent = pair[1].error;
          if (pair[0] === 409) { close(pair[1].error); }
        }
        markGrid(el);
      }).catch(function () { box.textContent = root.dataset.msgOffline; });
  }
  function current() {
    var active = document.activeElement && document.activeElement.closest && document.activeElement.closest(".attempt-item");
    return active || items()[0];
  }
  function go(step) {
    var list = items(), at = list.indexOf(current());
    var next = list[Math.min(list.length - 1, Math.max(0, at + step))];
    if (next) { next.focus(); next.scrollIntoView({block: "start"}); }
  }
  document.addEventListener("keydown", function (e) {
    if (!e.altKey || e.ctrlKey || e.metaKey) { return; }
    var key = e.key.toLowerCase();
    if (key === "n") { go(1); e.preventDefault(); }
    else if (key === "p") { go(-1); e.preventDefault(); }
    else if (key === "f") { var el = current(); if (el && !closed) { setFlag(el, !flagged(el)); changed(el); } e.preventDefault(); }
  });
  Array.prototype.forEach.call(document.querySelectorAll(".nav-cell[data-item]"), function (cell) {
    cell.addEventListener("click", function (e) {
      var el = itemEl(cell.dataset.item);
      if (el) { e.preventDefault(); el.focus(); el.scrollIntoView({block: "start"}); }
    });
  });
  var submitLink = document.getElementById("submit-link");
  if (submitLink) {
    submitLink.addEventListener("click", function (e) {
      if (!Object.keys(store.pending).length) { return; }
      e.preventDefault();    // send what is queued first, then go to the confirmation
      flush();
      var wait = setInterval(function () {
        if (!Object.keys(store.pending).length || closed) { clearInterval(wait); window.location = submitLink.href; }
      }, 200);
    });
  }
  window.addEventListener("online", function () { flush(); sync(); });
  window.addEventListener("pagehide", function () { if (Object.keys(store.pending).length) { flush(true); } });
  setInterval(tick, 250);
  setInterval(sync, 30000);
  setInterval(function () { if (Object.keys(store.pending).length && !inflight && !timer) { flush(); } }, 5000);
  tick();
  if (Object.keys(store.pending).length) { flush(); }
}());
