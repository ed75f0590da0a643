import { createHash } from 'node:crypto';

/**
 * The KPL aggregation format, byte-compatible with AWS's own libraries:
 * magic F3 89 9A C2 · protobuf AggregatedRecord · MD5(protobuf).
 *
 *   AggregatedRecord { repeated string partition_key_table = 1; repeated string explicit_hash_key_table = 2; repeated Record records = 3 }
 *   Record { uint64 partition_key_index = 1; optional uint64 explicit_hash_key_index = 2; bytes data = 3; repeated Tag tags = 4 }
 */
export const KPL_MAGIC = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);
const MD5_LEN = 16;

export interface UserRecord {
  partitionKey: string;
  explicitHashKey?: string;
  data: Buffer;
}

function varintLen(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

/** Bytes of one length-delimited field (tag + length + body). */
function fieldLen(bodyLen: number): number {
  return 1 + varintLen(bodyLen) + bodyLen;
}

function recordBodyLen(pkIndex: number, ehkIndex: number | undefined, dataLen: number): number {
  return 1 + varintLen(pkIndex) + (ehkIndex === undefined ? 0 : 1 + varintLen(ehkIndex)) + fieldLen(dataLen);
}

/**
 * Collects user records into one aggregate, tracking its encoded size exactly so a caller
 * can fill it up to a byte budget.
 */
export class AggregateBuilder {
  private readonly pkIndex = new Map<string, number>();
  private readonly ehkIndex = new Map<string, number>();
  private readonly pks: string[] = [];
  private readonly ehks: string[] = [];
  private readonly records: Array<{ pk: number; ehk: number | undefined; data: Buffer }> = [];
  private protoLen = 0;

  get count(): number {
    return this.records.length;
  }

  /** Size of the finished aggregate in bytes (magic + protobuf + MD5). */
  get size(): number {
    return KPL_MAGIC.length + this.protoLen + MD5_LEN;
  }

  /** The aggregate's size if `r` were added. */
  sizeWith(r: UserRecord): number {
    return this.size + this.growth(r);
  }

  add(r: UserRecord): void {
    this.protoLen += this.growth(r);
    let pk = this.pkIndex.get(r.partitionKey);
    if (pk === undefined) {
      pk = this.pks.push(r.partitionKey) - 1;
      this.pkIndex.set(r.partitionKey, pk);
    }
    let ehk: number | undefined;
    if (r.explicitHashKey !== undefined) {
      ehk = this.ehkIndex.get(r.explicitHashKey);
      if (ehk === undefined) {
        ehk = this.ehks.push(r.explicitHashKey) - 1;
        this.ehkIndex.set(r.explicitHashKey, ehk);
      }
    }
    this.records.push({ pk, ehk, data: r.data });
  }

  private growth(r: UserRecord): number {
    let g = 0;
    let pk = this.pkIndex.get(r.partitionKey);
    if (pk === undefined) {
      pk = this.pks.length;
      g += fieldLen(Buffer.byteLength(r.partitionKey));
    }
    let ehk: number | undefined;
    if (r.explicitHashKey !== undefined) {
      ehk = this.ehkIndex.get(r.explicitHashKey);
      if (ehk === undefined) {
        ehk = this.ehks.length;
        g += fieldLen(Buffer.byteLength(r.explicitHashKey));
      }
    }
    return g + fieldLen(recordBodyLen(pk, ehk, r.data.length));
  }

  encode(): Buffer {
    const out = Buffer.allocUnsafe(this.size);
    KPL_MAGIC.copy(out, 0);
    let pos = KPL_MAGIC.length;
    for (const pk of this.pks) pos = writeString(out, pos, 0x0a, pk);
    for (const ehk of this.ehks) pos = writeString(out, pos, 0x12, ehk);
    for (const r of this.records) {
      out[pos++] = 0x1a;
      pos = writeVarint(out, pos, recordBodyLen(r.pk, r.ehk, r.data.length));
      out[pos++] = 0x08;
      pos = writeVarint(out, pos, r.pk);
      if (r.ehk !== undefined) {
        out[pos++] = 0x10;
        pos = writeVarint(out, pos, r.ehk);
      }
      out[pos++] = 0x1a;
      pos = writeVarint(out, pos, r.data.length);
      pos += r.data.copy(out, pos);
    }
    createHash('md5').update(out.subarray(KPL_MAGIC.length, pos)).digest().copy(out, pos);
    return out;
  }
}

function writeString(out: Buffer, pos: number, tag: number, s: string): number {
  const len = Buffer.byteLength(s);
  out[pos++] = tag;
  pos = writeVarint(out, pos, len);
  return pos + out.write(s, pos);
}

/** Encodes user records as one KPL aggregate. */
export function encodeAggregate(records: readonly UserRecord[]): Buffer {
  const b = new AggregateBuilder();
  for (const r of records) b.add(r);
  return b.encode();
}

export function isAggregate(data: Uint8Array): boolean {
  return data.length >= KPL_MAGIC.length + MD5_LEN && data[0] === 0xf3 && data[1] === 0x89 && data[2] === 0x9a && data[3] === 0xc2;
}

class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }
  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RangeError('truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new RangeError('varint too long');
  }
  bytes(): Buffer {
    const len = this.varint();
    if (this.pos + len > this.end) throw new RangeError('truncated field');
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.pos += 4;
    else throw new RangeError(`unsupported wire type ${wireType}`);
    if (this.pos > this.end) throw new RangeError('truncated field');
  }
}

/**
 * Decodes a KPL aggregate into its user records, in order. Returns undefined when `data` is not
 * an aggregate — no magic, a bad MD5 or a malformed body — so the caller treats it as one plain
 * record, as the KCL does.
 */
export function decodeAggregate(data: Uint8Array): UserRecord[] | undefined {
  if (!isAggregate(data)) return undefined;
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const end = buf.length - MD5_LEN;
  const digest = createHash('md5').update(buf.subarray(KPL_MAGIC.length, end)).digest();
  if (!digest.equals(buf.subarray(end))) return undefined;
  try {
    const pks: string[] = [];
    const ehks: string[] = [];
    const raw: Array<{ pk: number; ehk: number | undefined; data: Buffer }> = [];
    const r = new Reader(buf, KPL_MAGIC.length, end);
    while (r.pos < end) {
      const key = r.varint();
      const field = Math.floor(key / 8);
      const wire = key & 7;
      if (field === 1 && wire === 2) pks.push(r.bytes().toString('utf8'));
      else if (field === 2 && wire === 2) ehks.push(r.bytes().toString('utf8'));
      else if (field === 3 && wire === 2) {
        const body = r.bytes();
        const rr = new Reader(body, 0, body.length);
        let pk: number | undefined;
        let ehk: number | undefined;
        let payload: Buffer | undefined;
        while (rr.pos < body.length) {
          const k = rr.varint();
          const f = Math.floor(k / 8);
          const w = k & 7;
          if (f === 1 && w === 0) pk = rr.varint();
          else if (f === 2 && w === 0) ehk = rr.varint();
          else if (f === 3 && w === 2) payload = rr.bytes();
          else rr.skip(w);
        }
        if (pk === undefined || payload === undefined) throw new RangeError('record without partition key index or data');
        raw.push({ pk, ehk, data: payload });
      } else r.skip(wire);
    }
    return raw.map(({ pk, ehk, data: d }) => {
      const partitionKey = pks[pk];
      if (partitionKey === undefined) throw new RangeError(`partition key index ${pk} out of range`);
      const explicitHashKey = ehk === undefined ? undefined : ehks[ehk];
      if (ehk !== undefined && explicitHashKey === undefined) throw new RangeError(`explicit hash key index ${ehk} out of range`);
      return { partitionKey, ...(explicitHashKey !== undefined ? { explicitHashKey } : {}), data: d };
    });
  } catch {
    return undefined;
  }
}
