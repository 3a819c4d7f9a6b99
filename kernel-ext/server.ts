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

  override handleCommInfoRequest(sock: unknown, msg: Message): void {
    const reply = msg.createReply();
    reply.header.msg_type = "comm_info_reply";
    reply.content = { status: "ok", comms: {} };
    reply.signAndSend(this.connInfo.key, sock);
  }
}
