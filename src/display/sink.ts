/**
 * Where display bundles go.
 *
 * Inside the ResLab kernel the sink sends Jupyter `display_data` / `update_display_data`
 * messages for the running cell. Outside a kernel (plain Node scripts) the default sink prints
 * the `text/plain` part, so library code can always call `display`.
 */
import type { MimeBundle, MimeMetadata } from "./mime";

/** A display request: one bundle, optionally tied to a display id for later updates. */
export interface DisplayMessage {
  data: MimeBundle;
  metadata: MimeMetadata;
  /** Set to update an earlier display in place. */
  displayId?: string;
}

/** Receives display requests. `update` is true for update_display_data. */
export interface DisplaySink {
  send(message: DisplayMessage, update: boolean): void;
}

/** The fallback sink: prints text/plain to stdout (updates print again). */
export const consoleSink: DisplaySink = {
  send(message) {
    const text = message.data["text/plain"];
    if (typeof text === "string") process.stdout.write(text.endsWith("\n") ? text : text + "\n");
  },
};

let active: DisplaySink = consoleSink;

/** Sets the sink (the kernel does this once per cell); returns the previous one. */
export function setDisplaySink(sink: DisplaySink): DisplaySink {
  const prev = active;
  active = sink;
  return prev;
}

/** The sink in use now. */
export function displaySink(): DisplaySink {
  return active;
}

/** A sink that records messages in memory (for tests and for building reports). */
export class RecordingSink implements DisplaySink {
  readonly messages: Array<DisplayMessage & { update: boolean }> = [];
  send(message: DisplayMessage, update: boolean): void {
    this.messages.push({ ...message, update });
  }
}
