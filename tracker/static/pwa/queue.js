/* The offline weigh-in queue: entries typed without signal wait here and are sent, each exactly
 * once, when the network returns.
 *
 * Exactly once = every entry carries a UUID chosen when it is queued; the server stores the
 * first arrival of a UUID and answers later ones with the stored weigh-in. So an entry may be
 * sent again whenever the outcome of an attempt is unknown (the answer was lost, two tabs
 * flushed at once), and it is removed from the queue only after the server acknowledged it.
 * The queue is read and written by entry id, never as a stale whole, so an entry queued by
 * another tab during a flush is never lost.
 *
 * Pure logic with injected storage (localStorage-like), sender, clock and UUID source, so that
 * `node --test tests/life/js` exercises it without a browser. Works as a browser global
 * (`ZwQueue`) and as a CommonJS module.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory();
  } else {
    root.ZwQueue = factory();
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  /** Outcomes a sender reports for one entry. */
  var SENT = "sent";            // stored now or earlier (2xx): drop from the queue
  var REFUSED = "refused";      // the server will never accept it (422): set aside, tell the user
  var RETRY = "retry";          // network down, server error: keep, stop for now
  var BLOCKED = "blocked";      // signed out or CSRF expired (400/401/403): keep, stop, ask to sign in

  function uuid4(random) {
    var bytes = random(16);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = [];
    for (var i = 0; i < 16; i++) hex.push((bytes[i] + 0x100).toString(16).slice(1));
    return hex.slice(0, 4).join("") + "-" + hex.slice(4, 6).join("") + "-" +
      hex.slice(6, 8).join("") + "-" + hex.slice(8, 10).join("") + "-" + hex.slice(10).join("");
  }

  /** The outcome of an HTTP status for an entry (null status: no answer at all). */
  function outcome(status) {
    if (status === null || status === undefined) return RETRY;
    if (status >= 200 && status < 300) return SENT;
    if (status === 422) return REFUSED;
    if (status === 400 || status === 401 || status === 403) return BLOCKED;
    return RETRY;
  }

  function createQueue(options) {
    var storage = options.storage;
    var key = options.key || "zw-offline-queue";
    var send = options.send;                 // entry -> Promise<{status, body}>; rejects offline
    var now = options.now || function () { return new Date().toISOString(); };
    var newId = options.uuid;
    var flushing = null;

    function read(name) {
      try {
        var parsed = JSON.parse(storage.getItem(name) || "[]");
        return Array.isArray(parsed) ? parsed : [];
      } catch (e) {
        return [];
      }
    }
    function write(name, items) { storage.setItem(name, JSON.stringify(items)); }
    function removeById(name, id) {
      write(name, read(name).filter(function (e) { return e.id !== id; }));
    }

    // `id`: the entry's number when it has one already (a form post the service worker kept
    // after the network died: the server may have stored it under that number).
    function add(fields, id) {
      var entry = {
        id: id || newId(), queued_at: now(), attempts: 0,
        stream: fields.stream, weight_kg: fields.weight_kg,
        measured_at: fields.measured_at || null, note: fields.note || ""
      };
      var items = read(key);
      items.push(entry);
      write(key, items);
      return entry;
    }

    function pending() { return read(key); }
    function refused() { return read(key + ":refused"); }
    function clearRefused() { write(key + ":refused", []); }

    function bump(id) {
      var items = read(key);
      items.forEach(function (e) { if (e.id === id) e.attempts = (e.attempts || 0) + 1; });
      write(key, items);
    }

    async function run() {
      var report = { sent: 0, refused: 0, remaining: 0, stopped: null };
      var seen = {};
      for (;;) {
        var next = read(key).filter(function (e) { return !seen[e.id]; })[0];
        if (!next) break;
        seen[next.id] = true;
        bump(next.id);
        var answer;
        try {
          answer = await send(next);
        } catch (e) {
          answer = { status: null };
        }
        var result = outcome(answer && answer.status);
        if (result === SENT) {
          removeById(key, next.id);
          report.sent++;
        } else if (result === REFUSED) {
          removeById(key, next.id);
          var aside = read(key + ":refused");
          aside.push({ entry: next, errors: (answer && answer.body && answer.body.errors) || {} });
          write(key + ":refused", aside);
          report.refused++;
        } else {
          report.stopped = result;
          break;
        }
      }
      report.remaining = read(key).length;
      return report;
    }

    /** Send what waits, oldest first; concurrent calls share one run. */
    function flush() {
      if (!flushing) {
        flushing = run().finally(function () { flushing = null; });
      }
      return flushing;
    }

    return { add: add, pending: pending, refused: refused, clearRefused: clearRefused,
             flush: flush };
  }

  return { createQueue: createQueue, outcome: outcome, uuid4: uuid4,
           SENT: SENT, REFUSED: REFUSED, RETRY: RETRY, BLOCKED: BLOCKED };
});
