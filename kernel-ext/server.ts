/**
 * tslab's ZeroMQ server with ResLab's execute path and a few protocol fixes:
 * execute_input is broadcast, results are execute_result messages, failures are Jupyter
 * `error` outputs with ename/evalue/traceback, and comm_info_request gets comm_info_reply.
 */
import { ZmqServer } from "tslab/dist/jupyter";
import type { ExecuteHandler, ExecuteRequest } from "./handler";

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

  private publish(parent: Message, msgType: string, content: unknown): void {
    const m = parent.createReply();
    m.header.msg_type = msgType;
    m.content = content;
    m.signAndSend(this.connInfo.key, this.iopub);
  }

  override async handleExecute(sock: unknown, msg: Message): Promise<void> {
    const reply = msg.createReply();
    reply.header.msg_type = "execute_reply";
    reply.content = await this.executeHandler.execute(msg.content as ExecuteRequest, {
      input: (code, count) => this.publish(msg, "execute_input", { code, execution_count: count }),
      stream: (name, text) => this.publish(msg, "stream", { name, text }),
      display: (m, update) =>
        this.publish(msg, update ? "update_display_data" : "display_data", {
          data: m.data,
          metadata: m.metadata,
          transient: m.displayId ? { display_id: m.displayId } : {},
        }),
      result: (data, count) => this.publish(msg, "execute_result", { data, metadata: {}, execution_count: count }),
      error: (f) => this.publish(msg, "error", { ename: f.ename, evalue: f.evalue, traceback: f.traceback }),
    });
    reply.signAndSend(this.connInfo.key, sock);
  }

  override handleCommInfoRequest(sock: unknown, msg: Message): void {
    const reply = msg.createReply();
    reply.header.msg_type = "comm_info_reply";
    reply.content = { status: "ok", comms: {} };
    reply.signAndSend(this.connInfo.key, sock);
  }
}
