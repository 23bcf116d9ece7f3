// The JavaScript side of the browser-parity tests (e2e/parity_test.go): the
// same scenarios as e2e/parity/scenarios.go, written against the browser's
// own WebSocket, producing the same log lines (see e2e/parity/parity.go for
// their format). This is the reference the Go builds are compared with.
//
// The page's query gives the connection id prefix (prefix=...). When all
// scenarios are done, globalThis.parityResult holds the results as JSON and
// globalThis.parityDone is true.
"use strict";

(() => {
  const query = new URLSearchParams(location.search);
  const prefix = query.get("prefix");
  const base = location.origin; // the scenario server: http://127.0.0.1:PORT
  const wsBase = "ws" + base.slice("http".length);
  const waitTimeout = 12000;
  const maxShown = 64;
  const encoder = new TextEncoder();

  const utf8 = (s) => encoder.encode(s);
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  // fnv is the FNV-1a 32 hash of bytes in 8 hex digits.
  function fnv(bytes) {
    let h = 0x811c9dc5;
    for (let i = 0; i < bytes.length; i++) {
      h ^= bytes[i];
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h.toString(16).padStart(8, "0");
  }

  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const fromHex = (s) => new Uint8Array(s.match(/../g).map((h) => parseInt(h, 16)));

  function quote(s) {
    const b = utf8(s);
    if (b.length > maxShown) return `len=${b.length} fnv=${fnv(b)}`;
    return JSON.stringify(s);
  }

  function bytesDesc(b) {
    if (b.length === 0) return "0";
    if (b.length <= 16) return `${b.length} ${hex(b)}`;
    return `${b.length} fnv=${fnv(b)}`;
  }

  function describe(d) {
    if (typeof d === "string") return "text " + quote(d);
    if (d instanceof ArrayBuffer) return "arraybuffer " + bytesDesc(new Uint8Array(d));
    if (d instanceof Blob) return `blob ${d.size} type=${quote(d.type)}`;
    return "unknown data " + Object.prototype.toString.call(d);
  }

  function sendDesc(d) {
    if (typeof d === "string") return "text " + quote(d);
    if (d instanceof Blob) return `blob ${d.size}`;
    return `binary ${d.byteLength}`;
  }

  class T {
    constructor(name) {
      this.name = name;
      this.lines = [];
      this.ids = [];
      this.n = 0;
      this.sockets = [];
      this.streams = [];
      this.done = false;
    }

    log(s) {
      if (!this.done) this.lines.push(s);
    }

    newID() {
      return `${prefix}-${this.name}-${++this.n}`;
    }

    url(path, q = "") {
      const id = this.newID();
      let u = `${wsBase}${path}?id=${id}`;
      if (q !== "") u += "&" + q;
      return [u, id];
    }

    hostPath(path) {
      return base.slice("http://".length) + path + "?id=" + this.newID();
    }

    dial(u, id, h = {}) {
      let ws;
      try {
        ws = h.protocols === undefined ? new WebSocket(u) : new WebSocket(u, h.protocols);
      } catch (e) {
        this.log(`new -> ${e.name}`);
        return null;
      }
      if (id !== "") this.ids.push(id);
      this.sockets.push(ws);
      this.log(`new -> ok url=${ws.url}`);
      if (h.binaryType) ws.binaryType = h.binaryType;
      let resolve;
      ws.closed = new Promise((r) => (resolve = r));
      ws.onopen = () => {
        this.log(`open rs=${ws.readyState} protocol=${quote(ws.protocol)} extensions=${quote(ws.extensions)}`);
        if (h.open) h.open(ws);
      };
      ws.onmessage = (e) => {
        if (!h.quiet) this.log(`message rs=${ws.readyState} ${describe(e.data)}`);
        if (h.message) h.message(ws, e);
      };
      ws.onerror = () => {
        this.log(`error rs=${ws.readyState}`);
        if (h.error) h.error(ws);
      };
      ws.onclose = (e) => {
        this.log(`close rs=${ws.readyState} code=${e.code} reason=${quote(e.reason)} clean=${e.wasClean}`);
        if (h.close) h.close(ws, e);
        resolve();
      };
      return ws;
    }

    async wait(ws) {
      if (ws === null) return;
      let timer;
      const timeout = new Promise((r) => (timer = setTimeout(() => r(true), waitTimeout)));
      const timedOut = await Promise.race([ws.closed.then(() => false), timeout]);
      clearTimeout(timer);
      if (timedOut) this.log(`FAIL: no close event within ${waitTimeout / 1000}s`);
    }

    async waitRequest(id) {
      const deadline = Date.now() + waitTimeout;
      while (Date.now() < deadline) {
        try {
          const r = await fetch(`${base}/log?wait=0&id=${id}`);
          const l = await r.json();
          if (l.conns > 0) return;
        } catch (e) {
          // try again
        }
        await sleep(10);
      }
      this.log(`FAIL: the server saw no request for ${id} within ${waitTimeout / 1000}s`);
    }

    send(ws, data) {
      this.sendAs(ws, data, sendDesc(data));
    }

    sendAs(ws, data, desc) {
      try {
        ws.send(data);
      } catch (e) {
        this.log(`send(${desc}) -> ${e.name}`);
        return;
      }
      this.log(`send(${desc}) -> ok`);
    }

    // close calls ws.close(), ws.close(code) or ws.close(code, reason):
    // code 0 and reason "" mean "not given", as in the Go mirror.
    close(ws, code, reason = "") {
      let args = "";
      if (code === 0) args = "";
      else if (reason === "") args = `${code}`;
      else args = `${code},${quote(reason)}`;
      this.closeAs(ws, code, reason, args);
    }

    // closeAgain is close(code, reason) without reading readyState (see
    // closeAgain in parity.go).
    closeAgain(ws, code, reason) {
      try {
        ws.close(code, reason);
      } catch (e) {
        this.log(`close(${code},${quote(reason)}) -> ${e.name}`);
        return;
      }
      this.log(`close(${code},${quote(reason)}) -> ok`);
    }

    closeAs(ws, code, reason, args) {
      try {
        if (code === 0) ws.close();
        else if (reason === "") ws.close(code);
        else ws.close(code, reason);
      } catch (e) {
        this.log(`close(${args}) -> ${e.name}`);
        return;
      }
      this.log(`close(${args}) -> ok rs=${ws.readyState}`);
    }

    async waitState(ws, want) {
      if (ws === null) return;
      const deadline = Date.now() + waitTimeout;
      while (ws.readyState !== want) {
        if (Date.now() > deadline) {
          this.log(`FAIL: readyState did not become ${want} within ${waitTimeout / 1000}s`);
          return;
        }
        await sleep(5);
      }
      this.log(`readyState=${ws.readyState} seen`);
    }

    listener(line) {
      return () => this.log(line);
    }

    state(ws) {
      this.log(`readyState=${ws.readyState}`);
    }

    buffered(ws) {
      this.log(`bufferedAmount=${ws.bufferedAmount}`);
    }

    // WebSocketStream helpers, as in parity/stream.go.

    stream(signal, u, id, ...protocols) {
      const opts = {};
      if (protocols.length > 0) opts.protocols = protocols;
      if (signal) opts.signal = signal;
      let s;
      try {
        s = new WebSocketStream(u, opts);
      } catch (e) {
        this.log(`stream new -> ${streamErrName(e)}`);
        return null;
      }
      s.opened.catch(() => {});
      // Chromium's close() on a stream whose handshake was aborted never
      // returns (the page hangs): runOne closes only unsettled streams.
      s.closed.then(
        () => (s.settled = true),
        () => (s.settled = true),
      );
      if (id !== "") this.ids.push(id);
      this.streams.push(s);
      this.log(`stream new -> ok url=${s.url}`);
      return s;
    }

    async opened(s) {
      if (s === null) return null;
      try {
        const c = await withTimeout(s.opened);
        this.log(`opened protocol=${quote(c.protocol)} extensions=${quote(c.extensions)}`);
        return { reader: c.readable.getReader(), writer: c.writable.getWriter() };
      } catch (e) {
        this.log(`opened -> ${streamErrName(e)}`);
        return null;
      }
    }

    async closedStream(s) {
      if (s === null) return;
      try {
        const info = await withTimeout(s.closed);
        this.log(`closed closeCode=${info.closeCode} reason=${quote(info.reason)}`);
      } catch (e) {
        this.log(`closed -> ${streamErrName(e)}`);
      }
    }

    async write(c, data) {
      if (c === null) return;
      try {
        await withTimeout(c.writer.write(data));
        this.log(`write(${sendDesc(data)}) -> ok`);
      } catch (e) {
        this.log(`write(${sendDesc(data)}) -> ${streamErrName(e)}`);
      }
    }

    async read(c) {
      if (c === null) return;
      try {
        const { value, done } = await withTimeout(c.reader.read());
        if (done) this.log("read done");
        else if (typeof value === "string") this.log(`read text ${quote(value)}`);
        else if (value instanceof ArrayBuffer) this.log(`read binary ${bytesDesc(new Uint8Array(value))}`);
        else if (ArrayBuffer.isView(value))
          this.log(`read binary ${bytesDesc(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))}`);
        else this.log(`read unknown ${Object.prototype.toString.call(value)}`);
      } catch (e) {
        this.log(`read -> ${streamErrName(e)}`);
      }
    }

    closeStream(s, code, reason = "") {
      if (s === null) return;
      let args = "";
      const info = {};
      if (code !== 0) info.closeCode = code;
      if (reason !== "") info.reason = reason;
      if (code !== 0 && reason !== "") args = `{closeCode:${code},reason:${quote(reason)}}`;
      else if (code !== 0) args = `{closeCode:${code}}`;
      else if (reason !== "") args = `{reason:${quote(reason)}}`;
      try {
        if (args === "") s.close();
        else s.close(info);
      } catch (e) {
        this.log(`close(${args}) -> ${streamErrName(e)}`);
        return;
      }
      this.log(`close(${args}) -> ok`);
    }

    // Helpers shared by several scenarios, as in scenarios.go.

    async ctorFails(u, ...protocols) {
      const ws = this.dial(u, "", { protocols, open: (ws) => this.close(ws, 1000) });
      await this.wait(ws);
    }

    async openAndClose(u, id, h = {}) {
      h.open = (ws) => this.close(ws, 1000);
      await this.wait(this.dial(u, id, h));
    }

    async closeOnOpen(path, q, code, reason) {
      const [u, id] = this.url(path, q);
      await this.wait(this.dial(u, id, { open: (ws) => this.close(ws, code, reason) }));
    }

    async serverCloses(path, q) {
      const [u, id] = this.url(path, q);
      await this.wait(this.dial(u, id));
    }

    async timedClose(path, code, reason, min, max) {
      const [u, id] = this.url(path, "");
      let start;
      await this.wait(
        this.dial(u, id, {
          open: (ws) => {
            start = performance.now();
            this.close(ws, code, reason);
          },
          close: () => {
            const d = performance.now() - start;
            this.log(`close event in range after close(): ${d >= min && d < max}`);
          },
        }),
      );
    }

    async violation(frames) {
      const [u, id] = this.url("/raw", "gap=50&frames=81026f6b," + frames);
      await this.wait(this.dial(u, id));
    }

    async handshake(q, ...protocols) {
      const [u, id] = this.url("/hs", q);
      await this.wait(this.dial(u, id, { protocols }));
    }

    async ordering(binaryType) {
      const [u, id] = this.url("/echo", "");
      const want = [];
      const got = [];
      await this.wait(
        this.dial(u, id, {
          binaryType,
          quiet: true,
          open: (ws) => {
            for (let i = 0; i < orderingCount; i++) {
              if (i % 2 === 0) {
                const s = `m${i}`;
                ws.send(s);
                want.push(describe(s));
                continue;
              }
              const b = new Uint8Array((i % 5) + 1);
              for (let j = 0; j < b.length; j++) b[j] = (i + j) & 255;
              ws.send(b);
              want.push(binaryType === "blob" ? `blob ${b.length} type=${quote("")}` : "arraybuffer " + bytesDesc(b));
            }
            this.log(`sent ${want.length}, digest=${fnv(utf8(want.join("\n")))}`);
          },
          message: (ws, e) => {
            got.push(describe(e.data));
            if (got.length === orderingCount) {
              this.log(
                `received ${got.length}, digest=${fnv(utf8(got.join("\n")))}, in order: ${got.join("\n") === want.join("\n")}`,
              );
              this.close(ws, 1000);
            }
          },
        }),
      );
    }
  }

  const orderingCount = 100;

  function closeAfter(t, n) {
    let seen = 0;
    return (ws) => {
      if (++seen === n) t.close(ws, 1000);
    };
  }

  // withTimeout is p, or a rejection with "FAIL: timed out" after waitTimeout.
  function withTimeout(p) {
    let timer;
    const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject({ name: "FAIL: timed out" }), waitTimeout)));
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }

  // streamErrName names a WebSocketStream error as parity/stream.go does.
  function streamErrName(e) {
    if (e && e.name === "WebSocketError") return `WebSocketError closeCode=${e.closeCode} reason=${quote(e.reason)}`;
    return e && e.name ? e.name : `error: ${e}`;
  }

  // The scenarios, in the order and with the names of scenarios.go.
  const scenarios = [
    ["ctor-scheme-ftp", (t) => t.ctorFails("ftp://" + t.hostPath("/echo"))],
    ["ctor-fragment", (t) => t.ctorFails(wsBase + "/echo#frag")],
    ["ctor-empty-fragment", (t) => t.ctorFails(wsBase + "/echo#")],
    ["ctor-protocol-space", (t) => t.ctorFails(wsBase + "/echo", "a b")],
    ["ctor-protocol-empty", (t) => t.ctorFails(wsBase + "/echo", "")],
    ["ctor-protocol-non-ascii", (t) => t.ctorFails(wsBase + "/echo", "é")],
    ["ctor-protocol-separator", (t) => t.ctorFails(wsBase + "/echo", "a,b")],
    ["ctor-protocol-duplicate", (t) => t.ctorFails(wsBase + "/echo", "a", "a")],
    [
      "ctor-protocol-case-duplicate",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        await t.openAndClose(u, id, { protocols: ["echo", "eCho"] });
      },
    ],
    [
      "ctor-url-http",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        await t.openAndClose("http" + u.slice("ws".length), id);
      },
    ],
    [
      "ctor-url-serialization",
      async (t) => {
        const [u, id] = t.url("/echo", "q=a b&r=é&s=%41");
        await t.openAndClose("  WS://" + u.slice("ws://".length) + " ", id);
      },
    ],
    [
      "ctor-url-no-slashes",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        await t.openAndClose("ws:" + u.slice("ws://".length), id);
      },
    ],
    [
      "ctor-url-dot-segments",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        await t.openAndClose(u.replace("/echo", "/a/./b/../../echo"), id);
      },
    ],
    [
      "ctor-url-port-leading-zero",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        await t.openAndClose(u.replace("127.0.0.1:", "127.0.0.1:0"), id);
      },
    ],
    [
      "ctor-url-uppercase-localhost",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        await t.openAndClose(u.replace("127.0.0.1", "LocalHost"), id);
      },
    ],
    [
      "ctor-url-userinfo",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        await t.openAndClose(u.replace("ws://", "ws://user:pass@"), id);
      },
    ],
    ["ctor-url-idn-host", async (t) => await t.wait(t.dial("ws://bücher.invalid/", ""))],
    [
      "ctor-protocol-token-chars",
      async (t) => {
        const [u, id] = t.url("/protocol-first", "");
        await t.wait(t.dial(u, id, { protocols: ["!#$%&'*+-.^_`|~09AZaz"], message: closeAfter(t, 1) }));
      },
    ],
    ["ctor-url-space-in-host", async (t) => await t.wait(t.dial("ws://foo bar/", ""))],
    [
      "ctor-url-relative",
      async (t) => {
        const id = t.newID();
        await t.openAndClose("/echo?id=" + id, id);
      },
    ],
    [
      // The browser resolves against the page's URL, which is what the Go
      // version passes as Options.BaseURL.
      "ctor-url-relative-base",
      async (t) => {
        const id = t.newID();
        await t.openAndClose("/echo?id=" + id, id);
      },
    ],
    ["ctor-blocked-port", async (t) => await t.wait(t.dial("ws://127.0.0.1:1/", ""))],

    [
      "send-connecting",
      async (t) => {
        const [u, id] = t.url("/delay", "ms=200");
        const ws = t.dial(u, id, { open: (ws) => t.close(ws, 1000) });
        t.state(ws);
        t.send(ws, "x");
        t.send(ws, new Uint8Array([1, 2, 3]));
        t.buffered(ws);
        await t.wait(ws);
      },
    ],
    [
      "close-validation-open",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        const ws = t.dial(u, id, {
          open: (ws) => {
            for (const code of [1001, 999, 1005, 2999, 5000, 65535]) t.close(ws, code);
            t.close(ws, 1001, "a".repeat(124));
            t.close(ws, 1000, "a".repeat(124));
            t.close(ws, 1000, "é".repeat(62));
            t.close(ws, 4000, "€".repeat(41));
            t.close(ws, 1000);
          },
        });
        await t.wait(ws);
      },
    ],
    [
      "close-validation-closed",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        const ws = t.dial(u, id, { open: (ws) => t.close(ws, 1000) });
        await t.wait(ws);
        t.close(ws, 1001);
        t.close(ws, 999);
        t.close(ws, 1000, "a".repeat(124));
        t.close(ws, 1000);
        t.close(ws, 0);
        t.send(ws, "x");
        t.buffered(ws);
      },
    ],

    ["close-client-code-reason", (t) => t.closeOnOpen("/echo", "", 4001, "bye")],
    ["close-client-no-args", (t) => t.closeOnOpen("/echo", "", 0, "")],
    ["close-client-1000", (t) => t.closeOnOpen("/echo", "", 1000, "")],
    ["close-server-code-reason", (t) => t.serverCloses("/close", "code=4002&reason=server%20bye")],
    ["close-server-empty", (t) => t.serverCloses("/close", "")],
    ["close-server-then-drop", (t) => t.serverCloses("/close", "code=1000&reason=drop&drop=1")],
    ["close-server-code-999", (t) => t.serverCloses("/close", "code=999&reason=x")],
    ["close-server-code-5000", (t) => t.serverCloses("/close", "code=5000&reason=x")],
    [
      "close-server-goodbye",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        await t.wait(t.dial(u, id, { open: (ws) => t.send(ws, "Goodbye") }));
      },
    ],
    ["close-abrupt-drop", (t) => t.serverCloses("/drop", "")],
    ["close-abrupt-drop-after-ping", (t) => t.serverCloses("/drop", "ping=1")],
    ["close-passive-abort", (t) => t.closeOnOpen("/passive-close-abort", "", 1000, "")],
    ["close-keep-open", (t) => t.timedClose("/keep-open", 0, "", 1500, 5000)],
    ["close-delayed-passive", (t) => t.timedClose("/delayed-passive-close", 1000, "x", 900, 5000)],
    [
      "close-connecting",
      async (t) => {
        const [u, id] = t.url("/delay", "ms=3000");
        const ws = t.dial(u, id);
        await t.waitRequest(id);
        t.state(ws);
        t.close(ws, 1000, "bye");
        t.closeAgain(ws, 4000, "again");
        t.send(ws, "x");
        t.buffered(ws);
        await t.wait(ws);
      },
    ],
    [
      "close-connecting-at-once",
      async (t) => {
        const [u] = t.url("/delay", "ms=3000");
        const ws = t.dial(u, ""); // the request may not even be made
        t.state(ws);
        t.close(ws, 0);
        await t.wait(ws);
      },
    ],
    [
      "message-after-close-dropped",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        await t.wait(
          t.dial(u, id, {
            open: (ws) => {
              t.send(ws, "a");
              t.close(ws, 1000);
            },
          }),
        );
      },
    ],

    [
      // A message and the server's Close in one write.
      "close-server-with-message",
      async (t) => {
        const [u, id] = t.url("/raw", "linger=0&frames=81026869" + "880203e8");
        await t.wait(t.dial(u, id));
      },
    ],
    [
      // A message and Close(1001, "PASS") in the write of the 101 (WPT
      // simple_handshake).
      "close-server-in-handshake-write",
      async (t) => {
        const [u, id] = t.url("/raw", "with101=1&linger=0&frames=81026869" + "880603e950415353");
        await t.wait(t.dial(u, id));
      },
    ],
    [
      // Three messages in one write; close() in the first one's handler.
      "close-in-message-handler",
      async (t) => {
        const [u, id] = t.url("/raw", "linger=0&frames=810161" + "810162" + "810163");
        await t.wait(t.dial(u, id, { message: closeAfter(t, 1) }));
      },
    ],
    [
      // The server's Close arrives and the server holds TCP 500 ms.
      "send-while-closing",
      async (t) => {
        const [u, id] = t.url("/raw", "linger=500&frames=880203e8");
        const ws = t.dial(u, id);
        await t.waitState(ws, WebSocket.CLOSING);
        t.send(ws, "x");
        t.buffered(ws);
        t.close(ws, 1000);
        await t.wait(ws);
      },
    ],

    ["violation-invalid-utf8", (t) => t.violation("8101ff")],
    ["violation-invalid-utf8-across-fragments", (t) => t.violation("0101e2" + "800141")],
    ["violation-reserved-opcode", (t) => t.violation("8300")],
    ["violation-masked-frame", (t) => t.violation("818200000000" + "6f6b")],
    ["violation-rsv1", (t) => t.violation("c1026f6b")],
    ["violation-ping-126-bytes", (t) => t.violation("897e007e" + "00".repeat(126))],
    ["violation-fragmented-ping", (t) => t.violation("0900" + "8900")],
    ["violation-non-minimal-length", (t) => t.violation("817e0005" + "68656c6c6f")],
    ["violation-stray-continuation", (t) => t.violation("80026f6b")],
    ["violation-unfinished-message", (t) => t.violation("010161" + "810162")],
    ["violation-data-after-close", (t) => t.violation("880203e8" + "81026f6b")],
    ["violation-close-code-1005", (t) => t.violation("880203ed")],
    ["violation-close-1-byte-body", (t) => t.violation("880103")],
    ["violation-close-reason-invalid-utf8", (t) => t.violation("880303e8ff")],

    ["handshake-http-200", (t) => t.handshake("status=200")],
    ["handshake-http-301", (t) => t.handshake("status=301")],
    ["handshake-http-404", (t) => t.handshake("status=404")],
    ["handshake-bad-accept", (t) => t.handshake("accept=thisisawrongacceptkey")],
    ["handshake-unrequested-protocol", (t) => t.handshake("protocol=foobar")],
    ["handshake-protocol-not-offered", (t) => t.handshake("protocol=foobar", "echo")],
    ["handshake-missing-protocol", (t) => t.handshake("protocol=", "echo")],
    ["handshake-protocol-other-case", (t) => t.handshake("protocol=ECHO", "echo")],
    ["handshake-unrequested-extension", (t) => t.handshake("extensions=x-unknown")],
    ["handshake-bad-deflate-parameters", (t) => t.handshake("extensions=permessage-deflate%3B%20foo")],
    ["handshake-not-http", (t) => t.handshake("raw=FOO%20BAR%20BAZ%0D%0A%0D%0A")],
    [
      "calls-in-error-handler",
      async (t) => {
        const [u, id] = t.url("/hs", "status=500");
        await t.wait(
          t.dial(u, id, {
            error: (ws) => {
              t.close(ws, 1000);
              t.close(ws, 1001);
              t.send(ws, "abc");
              t.buffered(ws);
            },
            close: (ws) => t.buffered(ws),
          }),
        );
      },
    ],

    [
      // The server accepts permessage-deflate (its frames stay uncompressed).
      "handshake-deflate-accepted",
      async (t) => {
        const [u, id] = t.url("/hs", "extensions=permessage-deflate");
        await t.openAndClose(u, id);
      },
    ],

    [
      "protocol-first-offered",
      async (t) => {
        const [u, id] = t.url("/protocol-first", "");
        await t.wait(t.dial(u, id, { protocols: ["a", "b"], message: closeAfter(t, 1) }));
      },
    ],

    [
      "echo-text",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        await t.wait(
          t.dial(u, id, {
            open: (ws) => t.send(ws, "héllo ✓ 世界 🎉"),
            message: (ws, e) => {
              t.log(`origin=${e.origin} lastEventId=${quote(e.lastEventId)}`);
              t.close(ws, 1000);
            },
          }),
        );
      },
    ],
    [
      "binary-blob",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        await t.wait(
          t.dial(u, id, {
            open: (ws) => {
              t.log(`binaryType=${ws.binaryType}`);
              t.send(ws, new Uint8Array([1, 2, 3, 4, 5]));
            },
            message: closeAfter(t, 1),
          }),
        );
      },
    ],
    [
      "binary-arraybuffer",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        await t.wait(
          t.dial(u, id, {
            binaryType: "arraybuffer",
            open: (ws) => {
              t.log(`binaryType=${ws.binaryType}`);
              t.send(ws, new Uint8Array([1, 2, 3, 4, 5]));
            },
            message: closeAfter(t, 1),
          }),
        );
      },
    ],
    [
      "binary-type-switch",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        let n = 0;
        await t.wait(
          t.dial(u, id, {
            open: (ws) => t.send(ws, new Uint8Array([1, 2, 3])),
            message: (ws) => {
              switch (++n) {
                case 1:
                  ws.binaryType = "arraybuffer";
                  t.send(ws, new Uint8Array([1, 2, 3, 4]));
                  break;
                case 2:
                  ws.binaryType = "bogus";
                  t.log(`binaryType=${ws.binaryType}`);
                  ws.binaryType = "blob";
                  t.send(ws, new Uint8Array([1, 2, 3, 4, 5]));
                  break;
                default:
                  t.close(ws, 1000);
              }
            },
          }),
        );
      },
    ],
    [
      // Three binary messages in one write.
      "binary-type-switch-batch",
      async (t) => {
        const [u, id] = t.url("/raw", "linger=0&frames=820101" + "820102" + "820103");
        let n = 0;
        await t.wait(
          t.dial(u, id, {
            message: (ws) => {
              switch (++n) {
                case 1:
                  ws.binaryType = "arraybuffer";
                  break;
                case 2:
                  ws.binaryType = "blob";
                  break;
                default:
                  t.close(ws, 1000);
              }
            },
          }),
        );
      },
    ],
    [
      "send-blob",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        await t.wait(
          t.dial(u, id, {
            binaryType: "arraybuffer",
            open: (ws) => {
              t.send(ws, new Blob([new Uint8Array([1, 2]), new Uint8Array([3, 4, 5])], { type: "x/y" }));
              t.buffered(ws);
            },
            message: closeAfter(t, 1),
          }),
        );
      },
    ],
    [
      // A lone surrogate (an invalid byte in Go) becomes U+FFFD.
      "usv-string-conversion",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        await t.wait(
          t.dial(u, id, {
            open: (ws) => {
              t.sendAs(ws, "a\uD800b", "text with an unpaired surrogate");
              t.buffered(ws);
            },
            message: (ws) => t.closeAs(ws, 1000, "\uD807", "1000,unpaired surrogate"),
          }),
        );
      },
    ],
    [
      "listeners-order",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        let n = 0;
        const X = t.listener("listener X");
        const ws = t.dial(u, id, {
          open: (ws) => t.send(ws, "1"),
          message: (ws) => {
            switch (++n) {
              case 1:
                ws.removeEventListener("message", X);
                ws.addEventListener("message", t.listener("listener Z"));
                t.send(ws, "2");
                break;
              case 2:
                ws.onmessage = null;
                ws.onmessage = (e) => {
                  t.log(`onmessage again ${describe(e.data)}`);
                  t.close(ws, 1000);
                };
                t.send(ws, "3");
                break;
            }
          },
        });
        ws.addEventListener("message", X);
        ws.addEventListener("message", t.listener("listener Y"));
        await t.wait(ws);
      },
    ],
    [
      "empty-messages",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        await t.wait(
          t.dial(u, id, {
            binaryType: "arraybuffer",
            open: (ws) => {
              t.send(ws, "");
              t.send(ws, new Uint8Array(0));
            },
            message: closeAfter(t, 2),
          }),
        );
      },
    ],
    [
      "large-binary-1mib",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        await t.wait(
          t.dial(u, id, {
            binaryType: "arraybuffer",
            open: (ws) => {
              const b = new Uint8Array(1 << 20);
              for (let i = 0; i < b.length; i++) b[i] = (i * 7 + 3) & 255;
              t.send(ws, b);
              t.buffered(ws);
            },
            message: closeAfter(t, 1),
          }),
        );
      },
    ],
    [
      "large-text-1mib",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        await t.wait(
          t.dial(u, id, {
            open: (ws) => {
              const s = "abcdefghijklmnopqrstuvwxyz0123456789";
              t.send(ws, s.repeat(Math.floor((1 << 20) / 36) + 1).slice(0, 1 << 20));
            },
            message: closeAfter(t, 1),
          }),
        );
      },
    ],
    [
      "fragmented-with-ping",
      async (t) => {
        const frames =
          "01026865" + "8903616263" + "80036c6c6f" + // "he", ping "abc", "llo"
          "020101" + "8a00" + "00020203" + "800104"; // binary 1, pong, 2 3, 4
        const [u, id] = t.url("/raw", "linger=0&frames=" + frames);
        await t.wait(t.dial(u, id, { binaryType: "arraybuffer", message: closeAfter(t, 2) }));
      },
    ],
    ["ordering-100-arraybuffer", (t) => t.ordering("arraybuffer")],
    ["ordering-100-blob", (t) => t.ordering("blob")],

    [
      "buffered-amount-send",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        await t.wait(
          t.dial(u, id, {
            open: (ws) => {
              t.send(ws, "héllo");
              t.buffered(ws);
              t.send(ws, new Uint8Array([1, 2, 3]));
              t.buffered(ws);
            },
            message: closeAfter(t, 2),
          }),
        );
      },
    ],
    [
      "buffered-amount-drained-by-close",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        await t.wait(
          t.dial(u, id, {
            open: (ws) => {
              t.send(ws, "héllo");
              t.send(ws, new Uint8Array([1, 2, 3]));
            },
            message: closeAfter(t, 2),
            close: (ws) => t.buffered(ws),
          }),
        );
      },
    ],
    [
      "buffered-amount-after-close",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        await t.wait(
          t.dial(u, id, {
            open: (ws) => {
              t.close(ws, 1000);
              t.buffered(ws);
              t.send(ws, "after");
              t.buffered(ws);
              t.send(ws, new ArrayBuffer(10));
              t.buffered(ws);
            },
            close: (ws) => {
              t.send(ws, "x");
              t.buffered(ws);
            },
          }),
        );
      },
    ],
  ];

  // The WebSocketStream scenarios, as streamScenarios in stream_scenarios.go.
  const streamScenarios = [
    ["stream-ctor-fragment", async (t) => t.stream(null, wsBase + "/echo#frag", "")],
    ["stream-ctor-protocol-duplicate", async (t) => t.stream(null, wsBase + "/echo", "", "a", "a")],
    [
      "stream-echo",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        const s = t.stream(null, u, id);
        const c = await t.opened(s);
        await t.write(c, "héllo");
        await t.read(c);
        await t.write(c, new Uint8Array([1, 2, 3]));
        await t.read(c);
        await t.write(c, "x".repeat(70000));
        await t.read(c);
        t.closeStream(s, 0);
        await t.read(c);
        await t.closedStream(s);
      },
    ],
    [
      "stream-protocol",
      async (t) => {
        const [u, id] = t.url("/protocol-first", "");
        const s = t.stream(null, u, id, "chat", "superchat");
        await t.opened(s);
        t.closeStream(s, 1000);
        await t.closedStream(s);
      },
    ],
    [
      "stream-close-code-reason",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        const s = t.stream(null, u, id);
        const c = await t.opened(s);
        t.closeStream(s, 4001, "bye");
        t.closeStream(s, 4002, "again");
        await t.read(c);
        await t.closedStream(s);
        await t.read(c);
        await t.write(c, "after");
      },
    ],
    [
      "stream-close-reason-only",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        const s = t.stream(null, u, id);
        await t.opened(s);
        t.closeStream(s, 0, "just a reason");
        await t.closedStream(s);
      },
    ],
    [
      "stream-close-validation",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        const s = t.stream(null, u, id);
        await t.opened(s);
        for (const code of [999, 1001, 1005, 2999, 5000]) t.closeStream(s, code);
        t.closeStream(s, 1000, "a".repeat(124));
        t.closeStream(s, 1000);
        await t.closedStream(s);
        t.closeStream(s, 999);
        t.closeStream(s, 1000);
      },
    ],
    [
      "stream-server-close",
      async (t) => {
        const [u, id] = t.url("/close", "code=4002&reason=server%20bye");
        const s = t.stream(null, u, id);
        const c = await t.opened(s);
        await t.read(c);
        await t.closedStream(s);
        await t.write(c, "after");
      },
    ],
    [
      "stream-server-close-empty",
      async (t) => {
        const [u, id] = t.url("/close", "");
        const s = t.stream(null, u, id);
        const c = await t.opened(s);
        await t.read(c);
        await t.closedStream(s);
      },
    ],
    [
      "stream-server-drop",
      async (t) => {
        const [u, id] = t.url("/drop", "");
        const s = t.stream(null, u, id);
        const c = await t.opened(s);
        await t.read(c);
        await t.closedStream(s);
        await t.write(c, "after");
      },
    ],
    [
      "stream-violation",
      async (t) => {
        const [u, id] = t.url("/raw", "gap=50&frames=81026f6b,8300");
        const s = t.stream(null, u, id);
        const c = await t.opened(s);
        await t.read(c);
        await t.read(c);
        await t.closedStream(s);
      },
    ],
    [
      "stream-handshake-404",
      async (t) => {
        const [u, id] = t.url("/hs", "status=404");
        const s = t.stream(null, u, id);
        await t.opened(s);
        await t.closedStream(s);
      },
    ],
    [
      "stream-abort-before-open",
      async (t) => {
        const [u] = t.url("/delay", "ms=300");
        const ac = new AbortController();
        const s = t.stream(ac.signal, u, "");
        ac.abort();
        await t.opened(s);
        await t.closedStream(s);
      },
    ],
    [
      "stream-abort-already-aborted",
      async (t) => {
        const ac = new AbortController();
        ac.abort();
        const s = t.stream(ac.signal, wsBase + "/echo", "");
        await t.opened(s);
        await t.closedStream(s);
      },
    ],
    [
      "stream-abort-after-open",
      async (t) => {
        const [u, id] = t.url("/echo", "");
        const ac = new AbortController();
        const s = t.stream(ac.signal, u, id);
        const c = await t.opened(s);
        ac.abort();
        await t.write(c, "still open");
        await t.read(c);
        t.closeStream(s, 1000);
        await t.closedStream(s);
      },
    ],
    [
      "stream-close-before-open",
      async (t) => {
        const [u] = t.url("/delay", "ms=300");
        const s = t.stream(null, u, "");
        t.closeStream(s, 1000);
        await t.opened(s);
        await t.closedStream(s);
      },
    ],
  ];

  async function runOne(name, body) {
    const t = new T(name);
    try {
      await body(t);
    } catch (e) {
      t.log(`FAIL: exception: ${e}`);
    }
    t.done = true;
    for (const ws of t.sockets) ws.close(); // sockets left open by a failed wait
    for (const s of t.streams) {
      if (s.settled) continue;
      try {
        s.close();
      } catch (e) {
        // already closed
      }
    }
    return { name, log: t.lines, ids: t.ids };
  }

  async function main() {
    const results = [];
    const only = query.getAll("only");
    for (const [name, body] of scenarios.concat(streamScenarios)) {
      if (only.length > 0 && !only.includes(name)) continue;
      results.push(await runOne(name, body));
    }
    globalThis.parityResult = JSON.stringify(results);
    globalThis.parityDone = true;
  }

  globalThis.parityDone = false;
  main().catch((e) => {
    globalThis.parityError = String(e);
    globalThis.parityDone = true;
  });
})();
