/**
 * The Jupyter wire protocol, checked before anything acts on a message: the frames
 * [identities…, "<IDS|MSG>", signature, header, parent_header, metadata, content, buffers…], the
 * HMAC signature over the four JSON frames (the connection file's key and signature_scheme), JSON
 * that parses, a header with msg_id / msg_type / version 5.x. A message that fails any check is
 * refused with the reason (the server logs it and drops it, as IPython does), so nothing in it runs.
 * Also: signing and framing of the replies the kernel builds itself.
 */
import * as crypto from "crypto";

export const DELIMITER = Buffer.from("<IDS|MSG>");

/** A message that passed every check. */
export interface WireMessage {
  identities: Buffer[];
  header: { msg_id: string; msg_type: string; version: string; session?: string; username?: string; date?: string };
  parent: Record<string, unknown>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
  buffers: Buffer[];
}

/** Why a message was refused. */
export class WireError extends Error {
  override name = "WireError";
}

function hmac(key: string, scheme: string | undefined, parts: Buffer[]): string {
  const algorithm = (scheme ?? "hmac-sha256").replace(/^hmac-/, "");
  const h = crypto.createHmac(algorithm, key);
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

function json(frame: Buffer, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(frame.toString("utf8"));
  } catch (e) {
    throw new WireError(`its ${what} frame is not JSON (${(e as Error).message})`);
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new WireError(`its ${what} frame is not a JSON object`);
  return v as Record<string, unknown>;
}

/** Parses and checks raw frames; throws {@link WireError} with the reason. An empty key means no signing. */
export function parseWire(frames: Buffer[], key: string, scheme?: string): WireMessage {
  const d = frames.findIndex((f) => f.equals(DELIMITER));
  if (d < 0) throw new WireError("it has no <IDS|MSG> delimiter frame");
  const rest = frames.slice(d + 1);
  if (rest.length < 5) throw new WireError(`it is truncated: ${rest.length} frames after the delimiter, 5 needed (signature, header, parent_header, metadata, content)`);
  const [signature, ...parts] = rest;
  const signed = parts.slice(0, 4);
  if (key) {
    const want = hmac(key, scheme, signed);
    const got = signature.toString("ascii");
    if (got.length === 0) throw new WireError("it is not signed (the connection's key requires an HMAC signature)");
    if (got.length !== want.length || !crypto.timingSafeEqual(Buffer.from(got), Buffer.from(want))) throw new WireError("its HMAC signature is wrong");
  }
  const header = json(signed[0], "header");
  for (const k of ["msg_id", "msg_type", "version"] as const) {
    if (typeof header[k] !== "string" || header[k] === "") throw new WireError(`its header has no ${k}`);
  }
  if (!/^5\.\d+/.test(header.version as string)) throw new WireError(`it speaks protocol version ${header.version}; this kernel speaks 5.x`);
  return {
    identities: frames.slice(0, d),
    header: header as WireMessage["header"],
    parent: json(signed[1], "parent_header"),
    metadata: json(signed[2], "metadata"),
    content: json(signed[3], "content"),
    buffers: parts.slice(4),
  };
}

/** The frames of a reply to `parent` (same identities and session), signed with `key`. */
export function replyFrames(parent: WireMessage, msgType: string, content: unknown, key: string, scheme?: string): Buffer[] {
  const header = {
    msg_id: crypto.randomUUID(),
    msg_type: msgType,
    version: "5.3",
    session: parent.header.session ?? "",
    username: parent.header.username ?? "reslab",
    date: new Date().toISOString(),
  };
  const parts = [header, parent.header, {}, content].map((v) => Buffer.from(JSON.stringify(v)));
  return [...parent.identities, DELIMITER, Buffer.from(key ? hmac(key, scheme, parts) : ""), ...parts];
}
