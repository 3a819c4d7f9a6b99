/**
 * tslab's ZeroMQ server with ResLab's execute path and a few protocol fixes:
 * execute_input is broadcast, results are execute_result messages, failures are Jupyter
 * `error` outputs with ename/evalue/traceback, comm_info_request gets comm_info_reply, every
 * socket sends one message at a time (see serial-send.ts), and a cell's stdout/stderr are
 * coalesced into few stream messages.
 */
import { ZmqServer } from "tslab/dist/jupyter";
import type { ExecuteHandler, ExecuteRequest } from "./handler";
import { serialSends } from "./serial-send";
import { StreamBuffer } from "./stream-buffer";
import { parseWire, replyFrames, WireError, type WireMessage } from "./wire";
import type { HistoryRequest } from "./history";

/** The shell and control requests this kernel answers; anything else is logged and dropped. */
export const HANDLED_REQUESTS = new Set([
  "kernel_info_request", "execute_request", "is_complete_request", "inspect_request", "complete_request",
  "comm_info_request", "history_request", "shutdown_request",
]);

/** The kernel process's own stderr (cells redirect process.stderr to their output). */
const kernelStderr = process.stderr.write.bind(process.stderr);

/** The parts of tslab's (unexported) ZmqMessage class that we use. */
interface Message {
  content: unknown;
  header: { msg_type: string };
  createReply(): Message;
  signAndSend(key: string, sock: unknown): void;
}

type TslabHandler = ConstructorParameters<typeof ZmqServer>[0];

export class ReslabServer extends ZmqServer {
  constructor(
    handler: TslabHandler,
    private readonly executeHandler: ExecuteHandler,
    configPath: string,
  ) {
    super(handler, configPath);
  }

  override async init(): Promise<void> {
    await super.init();
    const report = (e: unknown) => kernelStderr(`reslab kernel: a ZeroMQ send failed: ${e instanceof Error ? e.message : String(e)}\n`);
    // tslab reads these fields at each send (the receive loops already hold the sockets)
    this.iopub = serialSends(this.iopub, report);
    this.shell = serialSends(this.shell, report);
    this.control = serialSends(this.control, report);
    this.stdin = serialSends(this.stdin, report);
    this.hb = serialSends(this.hb, report);
  }

  private publish(parent: Message, msgType: string, content: unknown): void {
    const m = parent.createReply();
    m.header.msg_type = msgType;
    m.content = content;
    m.signAndSend(this.connInfo.key, this.iopub);
  }

  override async handleExecute(sock: unknown, msg: Message): Promise<void> {
    const reply = msg.createReply();
    reply.header.msg_type = "execute_reply";
    const streams = new StreamBuffer((name, text) => this.publish(msg, "stream", { name, text }));
    /** Any other output first sends the text written before it. */
    const output = (msgType: string, content: unknown) => {
      streams.flush();
      this.publish(msg, msgType, content);
    };
    reply.content = await this.executeHandler.execute(msg.content as ExecuteRequest, {
      input: (code, count) => output("execute_input", { code, execution_count: count }),
      stream: (name, text) => streams.write(name, text),
      display: (m, update) =>
        output(update ? "update_display_data" : "display_data", {
          data: m.data,
          metadata: m.metadata,
          transient: m.displayId ? { display_id: m.displayId } : {},
        }),
      result: (data, count) => output("execute_result", { data, metadata: {}, execution_count: count }),
      error: (f) => output("error", { ename: f.ename, evalue: f.evalue, traceback: f.traceback }),
    });
    streams.flush();
    reply.signAndSend(this.connInfo.key, sock);
  }

  /**
   * Every shell and control message passes {@link parseWire} first: one with a wrong or missing
   * signature, broken frames, a wrong protocol version or a type this kernel does not handle is
   * logged on the kernel's own stderr and dropped (IPython's behaviour); nothing in it runs.
   */
  override async handleShellMessage(sock: Parameters<ZmqServer["handleShellMessage"]>[0], ...frames: Buffer[]): Promise<void> {
    let msg: WireMessage;
    try {
      msg = parseWire(frames, this.connInfo.key, (this.connInfo as { signature_scheme?: string }).signature_scheme);
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      kernelStderr(`reslab kernel: dropped a message: ${e.message}\n`);
      return;
    }
    const type = msg.header.msg_type;
    if (!HANDLED_REQUESTS.has(type)) {
      kernelStderr(`reslab kernel: dropped a message of unknown type "${type}"\n`);
      return;
    }
    try {
      if (type === "history_request") this.answerHistory(sock, msg);
      else await super.handleShellMessage(sock, ...frames);
    } catch (e) {
      kernelStderr(`reslab kernel: ${type} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    }
  }

  /** history_request: busy, the reply, idle (as for every request). */
  private answerHistory(sock: unknown, msg: WireMessage): void {
    const { key } = this.connInfo;
    const scheme = (this.connInfo as { signature_scheme?: string }).signature_scheme;
    const status = (state: string) => {
      const frames = replyFrames(msg, "status", { execution_state: state }, key, scheme).slice(msg.identities.length);
      void (this.iopub as unknown as { send(f: Buffer[]): Promise<void> }).send(frames);
    };
    status("busy");
    const history = this.executeHandler.history.query(msg.content as HistoryRequest);
    void (sock as { send(f: Buffer[]): Promise<void> }).send(replyFrames(msg, "history_reply", { status: "ok", history }, key, scheme));
    status("idle");
  }

  override handleCommInfoRequest(sock: unknown, msg: Message): void {
    const reply = msg.createReply();
    reply.header.msg_type = "comm_info_reply";
    reply.content = { status: "ok", comms: {} };
    reply.signAndSend(this.connInfo.key, sock);
  }
}
