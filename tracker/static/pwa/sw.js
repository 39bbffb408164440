/* Service worker of the weigh-in page: the page and its assets open without signal.
 * Pages: network first, the last good copy when offline. Static files: cache first.
 * A weigh-in posted by the page's form while the network is gone comes back as the cached page
 * with `?hors-ligne=1#rescue=<the entry>`: the page queues it (offline.js); without a usable
 * entry, `?hors-ligne=1` alone asks the family to type it again. */
"use strict";
var VERSION = "zw-pwa-v2";
var PAGES = VERSION + "-pages";
var ASSETS = VERSION + "-assets";
var OFFLINE_PAGES = ["/pesee"];
var PRECACHE = ["/static/css/app.css", "/static/life/life.css", "/static/pwa/queue.js",
                "/static/pwa/offline.js", "/static/icons/favicon.svg",
                "/static/icons/residual.svg", "/static/icons/packaging.svg",
                "/static/icons/glass.svg", "/static/icons/biowaste.svg",
                "/static/pwa/icon-192.png"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(ASSETS).then(function (cache) {
    return Promise.all(PRECACHE.map(function (url) {
      return cache.add(url).catch(function () {});  // one missing icon must not block the rest
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      return k.indexOf(VERSION) !== 0;
    }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

// The weigh-in of a form post that did not get through, for the page to queue (offline.js)
// under the form's own entry number: if the post did arrive, the server stores it once.
function rescued(data) {
  var id = data.get("client_uuid"), stream = data.get("stream"), weight = data.get("weight_kg");
  if (!id || !stream || !weight) return null;  // nothing to keep: the page asks to type it again
  return { id: id, stream: stream, weight_kg: weight, note: data.get("note") || "",
           measured_at: data.get("measured_at"), shown: data.get("measured_at_shown") };
}

function isOfflinePage(url) {
  return url.origin === self.location.origin && OFFLINE_PAGES.indexOf(url.pathname) !== -1;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  if (request.method === "POST" && url.pathname === "/deconnexion") {
    // Signing out: forget the cached pages, they show the household's name.
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (request.method === "POST" && request.mode === "navigate" && isOfflinePage(url)) {
    var posted = request.clone();
    event.respondWith(fetch(request).catch(function () {
      return posted.formData().then(rescued, function () { return null; }).then(function (entry) {
        return Response.redirect(url.pathname + "?hors-ligne=1" + (entry ?
          "#rescue=" + encodeURIComponent(JSON.stringify(entry)) : ""), 303);
      });
    }));
    return;
  }
  if (request.method !== "GET") return;

  if (request.mode === "navigate" && isOfflinePage(url)) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(PAGES).then(function (cache) { cache.put(url.pathname, copy); });
      }
      return response;
    }).catch(function () {
      return caches.open(PAGES).then(function (cache) {
        return cache.match(url.pathname);
      }).then(function (cached) {
        return cached || new Response("<!doctype html><meta charset=utf-8><title>Hors ligne</title>" +
          "<p>Pas de réseau. Ouvrez la page de pesée une fois connecté pour l'utiliser hors ligne.</p>",
          { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
      });
    }));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.open(ASSETS).then(function (cache) {
      return cache.match(request).then(function (cached) {
        var network = fetch(request).then(function (response) {
          if (response.ok) cache.put(request, response.clone());
          return response;
        });
        return cached || network;
      });
    }));
  }
});
