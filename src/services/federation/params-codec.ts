/**
 * Parameters on the wire: little-endian float32 bytes with a format version and a SHA-256, never JSON
 * numbers. Decoding checks everything a receiver must not trust: format, count, length, checksum.
 */
import { createHash } from 'node:crypto';
import type { ParamsMessage } from './proto.js';

export const PARAMS_FORMAT = 1;

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function encodeParams(values: Float32Array): ParamsMessage {
  let data: Buffer;
  if (littleEndian) data = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  else {
    data = Buffer.alloc(values.length * 4);
    values.forEach((v, i) => data.writeFloatLE(v, i * 4));
  }
  // Copy: the caller may keep mutating `values` while the message is in flight.
  data = Buffer.from(data);
  return {
    format: PARAMS_FORMAT,
    count: values.length,
    data,
    sha256: createHash('sha256').update(data).digest(),
  };
}

export type DecodedParams = { ok: true; values: Float32Array } | { ok: false; reason: string };

export function decodeParams(msg: ParamsMessage | null | undefined, expectedCount: number): DecodedParams {
  if (!msg) return { ok: false, reason: 'no parameters in the message' };
  if (msg.format !== PARAMS_FORMAT)
    return { ok: false, reason: `parameter format ${msg.format}, expected ${PARAMS_FORMAT}` };
  if (msg.count !== expectedCount)
    return { ok: false, reason: `wrong shape: ${msg.count} parameters, the model has ${expectedCount}` };
  if (msg.data.length !== expectedCount * 4)
    return { ok: false, reason: `wrong shape: ${msg.data.length} bytes for ${expectedCount} float32 values` };
  const digest = createHash('sha256').update(msg.data).digest();
  if (msg.sha256.length !== digest.length || !digest.equals(msg.sha256))
    return { ok: false, reason: 'checksum mismatch' };
  const values = new Float32Array(expectedCount);
  if (littleEndian) new Uint8Array(values.buffer).set(msg.data);
  else for (let i = 0; i < expectedCount; i++) values[i] = msg.data.readFloatLE(i * 4);
  return { ok: true, values };
}
