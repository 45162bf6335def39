/**
 * The parameter file format (docs/formats.md): the 8-byte magic "MRLCOTNS", a little-endian uint32
 * header length, a UTF-8 JSON header, then little-endian float32 arrays back to back. The header names
 * each array with its length and a SHA-256 of its bytes, and lists the parameter tensors with shapes.
 * Written atomically; every way a file can be damaged is reported as one line naming the file.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic-write.js';
import { InputError } from '../util/errors.js';

const MAGIC = 'MRLCOTNS';
export const TENSOR_FILE_VERSION = 1;

export interface TensorSpec {
  name: string;
  shape: number[];
}

export interface TensorFile {
  /** Free-form JSON metadata (model config, optimizer settings, RNG state, ...). */
  meta: Record<string, unknown>;
  /** The parameter tensors, in order, that the `values` array holds. */
  tensors: TensorSpec[];
  /** Named flat arrays: `values` (parameters), and e.g. `adam.m`, `adam.v`. */
  arrays: Record<string, Float32Array>;
}

interface Header {
  format: 'mrlco-tensors';
  version: number;
  meta: Record<string, unknown>;
  tensors: TensorSpec[];
  arrays: { name: string; length: number; sha256: string }[];
}

function digest(a: Float32Array): string {
  return createHash('sha256')
    .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex');
}

export function encodeTensorFile(file: TensorFile): Buffer {
  const names = Object.keys(file.arrays);
  const header: Header = {
    format: 'mrlco-tensors',
    version: TENSOR_FILE_VERSION,
    meta: file.meta,
    tensors: file.tensors,
    arrays: names.map((name) => ({
      name,
      length: file.arrays[name].length,
      sha256: digest(file.arrays[name]),
    })),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(12);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(json.length, 8);
  // Pad the header so that the float data starts 4-byte aligned.
  const pad = Buffer.alloc((4 - ((12 + json.length) % 4)) % 4, 0x20);
  const body = names.map((n) => {
    const a = file.arrays[n];
    return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  });
  return Buffer.concat([prefix, json, pad, ...body]);
}

export function decodeTensorFile(bytes: Uint8Array, origin: string): TensorFile {
  const fail = (problem: string): never => {
    throw InputError.inFile(origin, problem);
  };
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC)
    fail('not an mrlco parameter file (bad magic)');
  const headerLength = buf.readUInt32LE(8);
  if (12 + headerLength > buf.length) fail('truncated header');
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + headerLength)) as Header;
  } catch {
    return fail('corrupt header (invalid JSON)');
  }
  if (header.format !== 'mrlco-tensors') fail('corrupt header (wrong format tag)');
  if (header.version !== TENSOR_FILE_VERSION)
    fail(`unsupported version ${header.version} (this build reads ${TENSOR_FILE_VERSION})`);
  let offset = 12 + headerLength;
  offset += (4 - (offset % 4)) % 4;
  const arrays: Record<string, Float32Array> = {};
  for (const spec of header.arrays) {
    const bytesNeeded = spec.length * 4;
    if (offset + bytesNeeded > buf.length)
      fail(`truncated: array ${spec.name} needs ${bytesNeeded} bytes, ${buf.length - offset} left`);
    // Copy into an aligned buffer of its own.
    const copy = new Float32Array(spec.length);
    new Uint8Array(copy.buffer).set(buf.subarray(offset, offset + bytesNeeded));
    if (digest(copy) !== spec.sha256) fail(`checksum mismatch in array ${spec.name} (the file is corrupt)`);
    arrays[spec.name] = copy;
    offset += bytesNeeded;
  }
  if (offset !== buf.length) fail(`${buf.length - offset} unexpected trailing bytes`);
  return { meta: header.meta, tensors: header.tensors, arrays };
}

export function writeTensorFile(path: string, file: TensorFile): void {
  writeFileAtomic(path, encodeTensorFile(file));
}

export function readTensorFile(path: string): TensorFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw InputError.inFile(path, code === 'ENOENT' ? 'no such file' : (err as Error).message);
  }
  return decodeTensorFile(bytes, path);
}
