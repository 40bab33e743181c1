import { DecodeError, type DecodeErrorCode } from './codec-error.js';
import { WireType } from './wire.js';

/**
 * A cursor over a mesh_protobuf message that reads one field at a time with
 * exactly the real decoder's acceptance rules (docs/format.md, "What the real decoder accepts and rejects").
 *
 * `nextField` reads a key and its whole payload before the caller looks at the
 * field number, because that is the order in which mesh reports errors: a
 * truncated payload or a resource field fails even when the field is unknown.
 * The last field's payload is left in `lo`/`hi` (varints) or
 * `dataStart`/`dataEnd` (length-delimited data).
 */
export class MeshReader {
  /** Next byte to read. */
  pos = 0;
  /** Field number of the last key read (the key's `>> 3`, truncated to 32 bits). */
  field = 0;
  /** Wire type of the last key read. */
  wireType = 0;
  /** Offset of the last key read, for error reports. */
  keyOffset = 0;
  /** Low and high 32 bits of the last varint read (unsigned). */
  lo = 0;
  hi = 0;
  /** Payload bounds of the last Variable or MeshMessage field. */
  dataStart = 0;
  dataEnd = 0;
  /** Field-number → proto-name table of the message being read, for error paths. */
  private names: readonly (string | undefined)[] = [];

  constructor(readonly buf: Uint8Array) {}

  /**
   * Reads the next key and its payload, skipping fixed-width values; returns the
   * field number. Errors in the payload are attributed to the field.
   */
  nextField(end: number, names: readonly (string | undefined)[]): number {
    this.names = names;
    this.keyOffset = this.pos;
    this.field = -1;
    this.varint(end);
    // Key bits 3..34: the field number is the key shifted right by 3 and cut to u32.
    this.field = ((this.lo >>> 3) | ((this.hi & 7) << 29)) >>> 0;
    this.wireType = this.lo & 7;
    try {
      this.payload(end);
    } catch (e) {
      throw e instanceof DecodeError ? e.within(this.fieldName()) : e;
    }
    return this.field;
  }

  private payload(end: number): void {
    switch (this.wireType) {
      case WireType.Varint:
        this.varint(end);
        return;
      case WireType.Fixed64:
        return this.skip(end, 8, 'eof_fixed64');
      case WireType.Fixed32:
        return this.skip(end, 4, 'eof_fixed32');
      case WireType.Variable:
        return this.bytes(end);
      case WireType.MeshMessage: {
        // `[resource count][length][bytes]`. Both varints are read before the
        // count is checked, and the count before the bytes are taken (the
        // vectors pin this order). A payload read from memory carries no
        // resources, so any non-zero count is out of range. The vectors cannot
        // tell which of the two varints comes first (every accepted one has
        // both zero); either order gives the same result on all of them.
        const countOffset = this.pos;
        this.varint(end);
        const noResources = this.lo === 0 && this.hi === 0;
        const lenOffset = this.pos;
        this.varint(end);
        if (!noResources) throw new DecodeError('invalid_resource_range', countOffset);
        return this.take(end, lenOffset);
      }
      case WireType.Resource:
        throw new DecodeError('missing_resource', this.keyOffset);
      default:
        throw new DecodeError('unknown_wire_type', this.keyOffset, this.wireType);
    }
  }

  /**
   * Reads a varint of up to 10 bytes into `lo`/`hi`. Bits past 64 (in the 10th
   * byte) are dropped; a 10th byte with the continuation bit set is "varint too
   * big" even when no 11th byte follows.
   */
  varint(end: number): void {
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    let lo = 0;
    let hi = 0;
    for (let i = 0; ; i++) {
      if (pos >= end) throw new DecodeError('eof_varint', start);
      const b = buf[pos++]!;
      const bits = b & 0x7f;
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= bits << 28;
        hi |= bits >>> 4;
      } else if (i < 9) hi |= bits << (7 * i - 32);
      else {
        hi |= bits << 31;
        if (b >= 0x80) throw new DecodeError('varint_too_big', start);
      }
      if (b < 0x80) break;
    }
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  private skip(end: number, n: number, code: DecodeErrorCode): void {
    if (end - this.pos < n) throw new DecodeError(code, this.pos);
    this.pos += n;
  }

  private bytes(end: number): void {
    const lenOffset = this.pos;
    this.varint(end);
    this.take(end, lenOffset);
  }

  /** Takes the length-delimited bytes whose length varint (at `lenOffset`) was just read. */
  private take(end: number, lenOffset: number): void {
    const avail = end - this.pos;
    if (this.hi !== 0 || this.lo > avail) throw new DecodeError('eof_byte_array', lenOffset);
    this.dataStart = this.pos;
    this.pos += this.lo;
    this.dataEnd = this.pos;
  }

  /** The last field's varint as a u64. */
  u64(): bigint {
    this.expectVarint();
    // Below 2^53 one exact double converts in a single BigInt call; bigint
    // shifts and ors each allocate, and addresses are almost always that small.
    return this.hi < 0x20_0000 ? BigInt(this.hi * 0x1_0000_0000 + this.lo) : (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** The last field's varint cut to its low 32 bits, as Rust's `as u32` does. */
  u32(): number {
    this.expectVarint();
    return this.lo;
  }

  /** Whether the last field can be read as a message: length-delimited, or a (resource-free) mesh message. */
  isMessage(): boolean {
    return this.wireType === WireType.Variable || this.wireType === WireType.MeshMessage;
  }

  /**
   * Appends the last field to a packed-or-not u32 list: a Variable payload is a
   * packed run of varints (each cut to u32), a Varint payload is one element.
   */
  appendU32s<L>(list: number[], onAppend?: (list: L, length: number) => void, name?: L): void {
    if (this.wireType === WireType.Varint) {
      onAppend?.(name!, list.length);
      list.push(this.lo);
      return;
    }
    if (this.wireType !== WireType.Variable) throw this.fieldError('expected_varint');
    const resume = this.pos;
    const end = this.dataEnd;
    this.pos = this.dataStart;
    try {
      while (this.pos < end) {
        this.varint(end);
        onAppend?.(name!, list.length);
        list.push(this.lo);
      }
    } catch (e) {
      throw e instanceof DecodeError ? e.within(this.fieldName()) : e;
    }
    this.pos = resume;
  }

  private expectVarint(): void {
    if (this.wireType !== WireType.Varint) throw this.fieldError('expected_varint');
  }

  private fieldError(code: DecodeErrorCode): DecodeError {
    return new DecodeError(code, this.keyOffset).within(this.fieldName());
  }

  private fieldName(): string {
    return this.names[this.field] ?? `<field ${this.field}>`;
  }
}
