/**
 * One ZeroMQ send at a time, in order.
 *
 * zeromq.js 6 allows a single send in flight per socket: a second `send` before the first has
 * settled throws `EBUSY` ("Socket is busy writing"). tslab calls `send` without awaiting it, so
 * a burst of outputs (a loop of `console.log`, a progress bar and a figure in one tick) made a
 * publish throw inside a running cell; the cell's promise rejected, its reply was never sent,
 * and every later cell was aborted. {@link serialSends} gives a socket whose `send` queues each
 * message behind the one before it.
 */

/** The part of a zeromq.js socket this module uses. */
export interface SendingSocket {
  send(message: unknown): Promise<void>;
  /** zeromq.js sockets say when they are closed: sends that fail then are not reported. */
  readonly closed?: boolean;
}

/**
 * A view of `socket` (a Proxy: every other property and method is the socket's own) whose
 * `send` sends messages one after another, in call order. A failed send is passed to `onError`
 * (unless the socket has been closed: the kernel is shutting down) and does not stop the ones
 * after it; the returned promise never rejects (callers such as
 * tslab do not await it). zeromq.js sockets are not extensible, hence a view, not a patch.
 */
export function serialSends<S extends SendingSocket>(socket: S, onError: (error: unknown) => void): S {
  let tail: Promise<void> = Promise.resolve();
  const send = (message: unknown): Promise<void> => {
    tail = tail.then(() => socket.send(message)).catch((e) => {
      if (!socket.closed) onError(e);
    });
    return tail;
  };
  return new Proxy(socket, {
    get(target, key) {
      if (key === "send") return send;
      const value = Reflect.get(target, key, target) as unknown;
      // native methods need the real socket as `this`
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
