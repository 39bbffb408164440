// Unit tests of the offline queue (tracker/static/pwa/queue.js): node --test tests/life/js
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const ZwQueue = require(path.join(__dirname, "../../../tracker/static/pwa/queue.js"));

function memoryStorage() {
  const data = new Map();
  return {
    getItem: (k) => (data.has(k) ? data.get(k) : null),
    setItem: (k, v) => data.set(k, String(v)),
    data,
  };
}

/** A fake server: stores each client_uuid once, like the API. */
function fakeServer() {
  const stored = new Map();
  return {
    stored,
    network: true,
    loseAnswers: 0,
    refuse: new Set(),
    async send(entry) {
      if (!this.network) throw new TypeError("Failed to fetch");
      if (this.refuse.has(entry.weight_kg)) {
        return { status: 422, body: { errors: { json: { weight_kg: ["trop lourd"] } } } };
      }
      const known = stored.has(entry.id);
      if (!known) stored.set(entry.id, { ...entry });
      if (this.loseAnswers > 0) {  // stored, but the answer never reaches the phone
        this.loseAnswers--;
        throw new TypeError("network lost");
      }
      return { status: known ? 200 : 201, body: {} };
    },
  };
}

let counter = 0;
const ids = () => `00000000-0000-4000-8000-${String(++counter).padStart(12, "0")}`;

function setup(server, storage = memoryStorage()) {
  const queue = ZwQueue.createQueue({ storage, key: "q", send: (e) => server.send(e), uuid: ids });
  return { queue, storage };
}

test("entries wait offline and are sent once the network returns", async () => {
  const server = fakeServer();
  const { queue } = setup(server);
  server.network = false;
  queue.add({ stream: "residual", weight_kg: "1,2" });
  queue.add({ stream: "glass", weight_kg: "0,8" });
  let report = await queue.flush();
  assert.equal(report.sent, 0);
  assert.equal(report.stopped, ZwQueue.RETRY);
  assert.equal(queue.pending().length, 2);
  assert.equal(server.stored.size, 0);
  server.network = true;
  report = await queue.flush();
  assert.deepEqual([report.sent, report.remaining], [2, 0]);
  assert.deepEqual([...server.stored.values()].map((e) => e.weight_kg), ["1,2", "0,8"]);
});

test("a lost answer makes the entry go again, and the server keeps it once", async () => {
  const server = fakeServer();
  const { queue } = setup(server);
  queue.add({ stream: "residual", weight_kg: "2" });
  server.loseAnswers = 1;
  let report = await queue.flush();
  assert.equal(report.remaining, 1);          // the phone cannot know: kept
  assert.equal(server.stored.size, 1);        // ... but it did arrive
  report = await queue.flush();
  assert.deepEqual([report.sent, report.remaining], [1, 0]);
  assert.equal(server.stored.size, 1);        // sent twice, stored once
});

test("a form post kept by the service worker is queued under the form's own number", async () => {
  const server = fakeServer();
  const { queue } = setup(server);
  const number = "0b6f4ae2-5c1e-4b83-9f0e-6a1d2c3b4a59";
  server.stored.set(number, { id: number, weight_kg: "1,5" });  // the post did arrive...
  const entry = queue.add({ stream: "glass", weight_kg: "1,5" }, number);
  assert.equal(entry.id, number);
  const report = await queue.flush();          // ... so the queued copy adds nothing
  assert.deepEqual([report.sent, report.remaining], [1, 0]);
  assert.equal(server.stored.size, 1);
  assert.notEqual(queue.add({ stream: "glass", weight_kg: "2" }).id, number);
});

test("concurrent flushes share one run (no entry sent twice by one page)", async () => {
  const server = fakeServer();
  let calls = 0;
  const storage = memoryStorage();
  const queue = ZwQueue.createQueue({
    storage, key: "q", uuid: ids,
    send: async (e) => { calls++; await new Promise((r) => setTimeout(r, 5)); return server.send(e); },
  });
  queue.add({ stream: "residual", weight_kg: "1" });
  queue.add({ stream: "residual", weight_kg: "2" });
  const [a, b] = await Promise.all([queue.flush(), queue.flush()]);
  assert.equal(a, b);
  assert.equal(calls, 2);
  assert.equal(queue.pending().length, 0);
});

test("two tabs on the same storage: every entry stored exactly once", async () => {
  const server = fakeServer();
  const storage = memoryStorage();
  const slow = (e) => new Promise((r) => setTimeout(r, 3)).then(() => server.send(e));
  const tab1 = ZwQueue.createQueue({ storage, key: "q", uuid: ids, send: slow });
  const tab2 = ZwQueue.createQueue({ storage, key: "q", uuid: ids, send: slow });
  for (let i = 0; i < 5; i++) tab1.add({ stream: "residual", weight_kg: String(i + 1) });
  await Promise.all([tab1.flush(), tab2.flush()]);
  assert.equal(server.stored.size, 5);
  assert.equal(tab1.pending().length, 0);
});

test("an entry added while a flush runs is not lost", async () => {
  const server = fakeServer();
  const storage = memoryStorage();
  let queue;
  let added = false;
  queue = ZwQueue.createQueue({
    storage, key: "q", uuid: ids,
    send: async (e) => {
      if (!added) { added = true; queue.add({ stream: "glass", weight_kg: "9" }); }
      return server.send(e);
    },
  });
  queue.add({ stream: "residual", weight_kg: "1" });
  await queue.flush();
  assert.equal(server.stored.size, 2);
  assert.equal(queue.pending().length, 0);
});

test("a refused entry is set aside with its reason; the others go on", async () => {
  const server = fakeServer();
  server.refuse.add("99");
  const { queue } = setup(server);
  queue.add({ stream: "residual", weight_kg: "99" });
  queue.add({ stream: "residual", weight_kg: "1" });
  const report = await queue.flush();
  assert.deepEqual([report.sent, report.refused, report.remaining], [1, 1, 0]);
  assert.equal(queue.refused()[0].entry.weight_kg, "99");
  assert.deepEqual(queue.refused()[0].errors.json.weight_kg, ["trop lourd"]);
});

test("signed out: entries wait, nothing is dropped", async () => {
  const { queue } = setup({ send: async () => ({ status: 401, body: {} }) });
  queue.add({ stream: "residual", weight_kg: "1" });
  const report = await queue.flush();
  assert.equal(report.stopped, ZwQueue.BLOCKED);
  assert.equal(queue.pending().length, 1);
});

test("the queue survives a reload (it lives in storage) and broken storage reads as empty", () => {
  const server = fakeServer();
  const storage = memoryStorage();
  setup(server, storage).queue.add({ stream: "residual", weight_kg: "3" });
  assert.equal(setup(server, storage).queue.pending()[0].weight_kg, "3");
  storage.setItem("q", "{not json");
  assert.deepEqual(setup(server, storage).queue.pending(), []);
});

test("status codes map to outcomes; uuid4 is a version 4 UUID", () => {
  assert.equal(ZwQueue.outcome(201), ZwQueue.SENT);
  assert.equal(ZwQueue.outcome(200), ZwQueue.SENT);
  assert.equal(ZwQueue.outcome(422), ZwQueue.REFUSED);
  assert.equal(ZwQueue.outcome(403), ZwQueue.BLOCKED);
  assert.equal(ZwQueue.outcome(500), ZwQueue.RETRY);
  assert.equal(ZwQueue.outcome(null), ZwQueue.RETRY);
  const id = ZwQueue.uuid4((n) => new Uint8Array(n).fill(255));
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
