/* The weigh-in page offline: register the service worker, queue entries typed without signal,
 * send them when the network returns (see queue.js for the exactly-once rule). */
(function () {
  "use strict";
  var box = document.getElementById("zw-offline");
  var form = document.querySelector("form.weighin-form");
  if (!box || !form || !window.ZwQueue || !window.localStorage) return;

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(box.dataset.sw, { scope: "/" }).catch(function () {});
  }

  var text = JSON.parse(box.dataset.text);
  var status = box.querySelector("[data-status]");
  var list = box.querySelector("[data-refused]");
  var button = box.querySelector("button");

  function randomBytes(n) {
    var bytes = new Uint8Array(n);
    crypto.getRandomValues(bytes);
    return bytes;
  }

  function send(entry) {
    var body = { stream: entry.stream, weight_kg: entry.weight_kg, note: entry.note,
                 client_uuid: entry.id };
    if (entry.measured_at) body.measured_at = entry.measured_at;
    return fetch(box.dataset.api + "?lang=" + document.documentElement.lang, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": box.dataset.csrf,
                 "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        return { status: response.status, body: json };
      });
    });
  }

  function newUuid() {
    return crypto.randomUUID ? crypto.randomUUID() : ZwQueue.uuid4(randomBytes);
  }
  var queue = ZwQueue.createQueue({
    storage: window.localStorage, key: "zw-offline-queue:" + box.dataset.household,
    send: send, uuid: newUuid
  });

  function say(message) { status.textContent = message; }

  // Every page load gives the form a new entry number: the same form sent twice (a double
  // tap, a lost answer) is stored once, and a post the service worker kept is queued under it.
  var entryNumber = form.querySelector("input[name=client_uuid]");
  if (entryNumber) entryNumber.value = newUuid();

  // The prefilled date left as it was means "now" (as the form's handler reads it).
  function entryTime(typed, shown) {
    return typed && shown && typed !== shown ? typed : new Date().toISOString();
  }

  function render(report) {
    var waiting = queue.pending().length;
    var refused = queue.refused();
    box.hidden = !waiting && !refused.length && !(report && report.sent);
    button.hidden = !waiting;
    if (waiting) {
      var why = report && report.stopped === ZwQueue.BLOCKED ? text.blocked : text.waiting;
      say(why.replace("%(n)s", waiting));
    } else if (report && report.sent) {
      say(text.sent.replace("%(n)s", report.sent));
    } else {
      say("");
    }
    list.innerHTML = "";
    refused.forEach(function (item) {
      var li = document.createElement("li");
      var messages = [];
      Object.keys(item.errors.json || item.errors || {}).forEach(function (field) {
        var value = (item.errors.json || item.errors)[field];
        messages.push(Array.isArray(value) ? value.join(" ") : String(value));
      });
      li.textContent = text.refused.replace("%(weight)s", item.entry.weight_kg) + " " +
        messages.join(" ");
      list.appendChild(li);
    });
  }

  function flush() {
    if (!navigator.onLine || !queue.pending().length) { render(); return Promise.resolve(); }
    return queue.flush().then(render, function () { render(); });
  }

  form.addEventListener("submit", function (event) {
    if (navigator.onLine) return;  // online: the page's own form post
    event.preventDefault();
    var chosen = form.querySelector("input[name=stream]:checked");
    var weight = form.querySelector("#weight_kg");
    if (!chosen || !weight.value.trim()) {
      say(text.incomplete);
      box.hidden = false;
      return;
    }
    var when = form.querySelector("#measured_at");
    var shown = form.querySelector("input[name=measured_at_shown]");
    var note = form.querySelector("#note");
    queue.add({ stream: chosen.value, weight_kg: weight.value.trim(),
                measured_at: entryTime(when && when.value, shown && shown.value),
                note: note ? note.value : "" });
    weight.value = "";
    render();
    say(text.queued.replace("%(n)s", queue.pending().length));
    weight.focus();
  });

  button.addEventListener("click", flush);
  window.addEventListener("online", flush);
  window.addEventListener("offline", function () { render(); });
  setInterval(flush, 30000);
  // Back from a form post that did not get through (sw.js): `?hors-ligne=1`, with the entry
  // in `#rescue=` when the service worker could keep it.
  var lostPost = /[?&]hors-ligne=1/.test(location.search);
  var kept = /^#rescue=(.+)$/.exec(location.hash);
  var rescued = false;
  if (kept) {
    try {
      var entry = JSON.parse(decodeURIComponent(kept[1]));
      if (!queue.pending().some(function (e) { return e.id === entry.id; })) {
        queue.add({ stream: entry.stream, weight_kg: entry.weight_kg, note: entry.note,
                    measured_at: entryTime(entry.measured_at, entry.shown) }, entry.id);
      }
      rescued = true;
    } catch (e) {}  // unreadable: asked to type it again, below
  }
  if (lostPost || kept) history.replaceState(null, "", location.pathname);  // not on reload
  if (rescued) {
    render();
    box.hidden = false;
    say(text.rescued.replace("%(n)s", queue.pending().length));
  } else if (lostPost) {
    box.hidden = false;
    say(text.lost);
  }
  flush();
  window.zwOfflineQueue = queue;  // for the browser tests and curious developers
})();
