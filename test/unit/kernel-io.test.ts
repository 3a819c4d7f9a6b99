/**
 * The kernel's output path: one ZeroMQ send at a time (serial-send.ts) and coalesced stream
 * text (stream-buffer.ts). The socket tests use real zeromq.js sockets, whose one-send-in-flight
 * rule is what wedged the kernel.
 */
import * as zmq from "zeromq";
import { serialSends } from "../../kernel-ext/serial-send";
import { StreamBuffer } from "../../kernel-ext/stream-buffer";

async function pubSub(): Promise<{ pub: zmq.Publisher; sub: zmq.Subscriber }> {
  const pub = new zmq.Publisher();
  await pub.bind("tcp://127.0.0.1:*");
  const sub = new zmq.Subscriber();
  sub.connect(pub.lastEndpoint!);
  sub.subscribe();
  // wait until the subscription has reached the publisher (one receive in flight at a time)
  const first = sub.receive();
  let arrived = false;
  void first.then(() => (arrived = true));
  for (let i = 0; i < 500 && !arrived; i++) {
    await pub.send(["probe"]);
    await new Promise((r) => setTimeout(r, 10));
  }
  if (!arrived) throw new Error("the subscriber never connected");
  return { pub, sub };
}

describe("serialSends", () => {
  test("unawaited sends on a bare zeromq.js socket fail with EBUSY (the fault it guards against)", async () => {
    const { pub, sub } = await pubSub();
    const codes: string[] = [];
    for (let i = 0; i < 2000; i++) {
      try {
        pub.send(["m", String(i)]).catch((e: { code?: string }) => codes.push(String(e.code)));
      } catch (e) {
        codes.push(String((e as { code?: string }).code));
      }
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(codes.length).toBeGreaterThan(0);
    expect(new Set(codes)).toEqual(new Set(["EBUSY"]));
    pub.close();
    sub.close();
  });

  test("the same burst through serialSends arrives whole and in order", async () => {
    const { pub, sub } = await pubSub();
    const errors: unknown[] = [];
    const serial = serialSends(pub, (e) => errors.push(e));
    const n = 900; // below ZeroMQ's default high-water mark of 1000 queued messages
    // drain the probe messages, then send the burst without awaiting (as tslab does)
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < n; i++) void serial.send(["m", String(i)]);
    const got: number[] = [];
    while (got.length < n) {
      const [topic, body] = await sub.receive();
      if (topic.toString() === "m") got.push(Number(body.toString()));
    }
    expect(errors).toEqual([]);
    expect(got).toEqual(Array.from({ length: n }, (_, i) => i));
    // everything else is the socket's own
    expect(serial.lastEndpoint).toBe(pub.lastEndpoint);
    serial.close();
    expect(pub.closed).toBe(true);
    sub.close();
  });

  test("a failed send is reported and later sends still go out", async () => {
    const sent: unknown[] = [];
    const fake = {
      send: async (m: unknown) => {
        if (m === "bad") throw new Error("boom");
        sent.push(m);
      },
    };
    const errors: string[] = [];
    const serial = serialSends(fake, (e) => errors.push((e as Error).message));
    const results = [serial.send("a"), serial.send("bad"), serial.send("b")];
    await Promise.all(results); // never rejects
    expect(sent).toEqual(["a", "b"]);
    expect(errors).toEqual(["boom"]);
  });

  test("sends that fail on a closed socket are not reported (shutdown)", async () => {
    const errors: unknown[] = [];
    const fake = { closed: false, send: async (_m: unknown) => { throw new Error("Socket is closed"); } };
    const serial = serialSends(fake, (e) => errors.push(e));
    await serial.send("a");
    fake.closed = true;
    await serial.send("b");
    expect(errors).toHaveLength(1);
  });

  test("a send starts only after the one before it has settled", async () => {
    let inFlight = 0, maxInFlight = 0;
    const fake = {
      send: async (_m: unknown) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 1));
        inFlight--;
      },
    };
    const serial = serialSends(fake, () => undefined);
    await Promise.all(Array.from({ length: 20 }, () => serial.send("x")));
    expect(maxInFlight).toBe(1);
  });
});

describe("StreamBuffer", () => {
  test("many writes become one message per stream run, in order", async () => {
    const out: [string, string][] = [];
    const buf = new StreamBuffer((name, text) => out.push([name, text]), 5);
    for (let i = 0; i < 1000; i++) buf.write("stdout", `${i}\n`);
    buf.write("stderr", "warn\n");
    buf.write("stdout", "after\n");
    expect(out).toEqual([]);
    await new Promise((r) => setTimeout(r, 20));
    const expected = Array.from({ length: 1000 }, (_, i) => `${i}\n`).join("");
    expect(out).toEqual([["stdout", expected], ["stderr", "warn\n"], ["stdout", "after\n"]]);
  });

  test("flush sends at once; a full buffer is sent without waiting", () => {
    const out: string[] = [];
    const buf = new StreamBuffer((_n, text) => out.push(text), 10_000, 8);
    buf.write("stdout", "abc");
    buf.flush();
    expect(out).toEqual(["abc"]);
    buf.write("stdout", "12345");
    buf.write("stdout", "6789");
    expect(out).toEqual(["abc", "123456789"]);
    buf.flush();
    expect(out).toHaveLength(2); // nothing left: no empty message
  });
});
