// A narrow streaming tokenizer for chrome-trace JSON: `{"traceEvents": [ {...}, ... ], "key": value, ...}`
// or a bare event list `[ {...}, ... ]`. It walks the bytes of the top-level object and of the event list
// itself, cuts out each event (and each other top-level member) as one small byte range, and hands that to
// JSON.parse — so an event is parsed exactly as JSON.parse parses it, while no string or object ever holds
// the whole file. Chosen by measurement over stream-json and @streamparser/json (bench/kineto-parsers.ts):
// token-by-token parsers in JS spend most of their time building the very objects JSON.parse builds natively.
// No I/O: the caller pushes chunks (any split, UTF-8 sequences included) and calls end().

/** What went wrong, at which byte of the (decompressed) JSON; the reader turns it into a one-line UserError. */
export class TraceScanError extends Error {
  override readonly name = 'TraceScanError';
  constructor(message: string, readonly kind: 'truncated' | 'unterminated' | 'invalid' | 'too-large', readonly offset: number) {
    super(message);
  }
}

export interface ScanSink {
  /** a member of the top-level object other than the event list, parsed */
  member(key: string, value: unknown): void;
  /** one element of the event list (`traceEvents`, or the bare top-level list), parsed */
  element(value: unknown): void;
}

/** One event or top-level member larger than this is not a trace: refuse it instead of buffering on. */
export const MAX_VALUE_BYTES = 64 << 20;
/** Below this many bytes left in a chunk the fast path is not worth a try. */
const BULK_MIN_BYTES = 4096;

const enum St {
  Start, KeyOrClose, Key, Colon, Value, CommaOrClose, ElementOrClose, Element, ElementCommaOrClose, Done,
}
const enum Cap { None, Container, Str, Scalar, KeyStr }

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export class TraceScanner {
  /** 'object' for `{…}` traces, 'list' for a bare event list; undefined before the first byte */
  top: 'object' | 'list' | undefined;
  /** whether the top-level object had a `traceEvents` list */
  sawEventList = false;
  private state = St.Start;
  private offset = 0; // bytes consumed before the current chunk
  private key = '';
  private inEvents = false;
  // the value being cut out
  private cap = Cap.None;
  private capStart = 0; // absolute offset where the capture began
  private depth = 0;
  private inStr = false;
  private skip = 0; // bytes of an escape sequence still to skip at the start of the next chunk
  private pieces: Uint8Array[] = [];
  private piecesBytes = 0;
  private bom = true;
  /** where the capture began in the current chunk, while it has not spilled into pieces */
  private localStart = 0;
  private fresh = false;

  private readonly maxValueBytes: number;

  constructor(private readonly sink: ScanSink, opts: { maxValueBytes?: number } = {}) {
    this.maxValueBytes = opts.maxValueBytes ?? MAX_VALUE_BYTES;
  }

  /** Bytes consumed so far. */
  get position(): number {
    return this.offset;
  }

  push(chunk: Uint8Array): void {
    let i = 0;
    const n = chunk.length;
    if (this.bom && n > 0) {
      this.bom = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
    }
    let bulkTried = false;
    while (i < n) {
      if (this.cap !== Cap.None) {
        i = this.capture(chunk, i, n);
        continue;
      }
      if (this.inEvents && !bulkTried && n - i >= BULK_MIN_BYTES) {
        bulkTried = true;
        const j = this.bulk(chunk, i, n);
        if (j > i) {
          i = j;
          continue;
        }
      }
      const c = chunk[i]!;
      if (isWs(c)) {
        i++;
        continue;
      }
      switch (this.state) {
        case St.Start:
          if (c === 0x7b) { this.top = 'object'; this.state = St.KeyOrClose; }
          else if (c === 0x5b) { this.top = 'list'; this.inEvents = true; this.state = St.ElementOrClose; }
          else throw this.invalid(c, i, 'a JSON object or list');
          i++;
          break;
        case St.KeyOrClose:
        case St.Key:
          if (c === QUOTE) this.begin(Cap.KeyStr, i);
          else if (c === 0x7d && this.state === St.KeyOrClose) this.state = St.Done;
          else throw this.invalid(c, i, 'a member name');
          i++;
          break;
        case St.Colon:
          if (c !== 0x3a) throw this.invalid(c, i, "':'");
          this.state = St.Value;
          i++;
          break;
        case St.Value:
          if (this.key === 'traceEvents' && c === 0x5b && !this.sawEventList) {
            this.sawEventList = true;
            this.inEvents = true;
            this.state = St.ElementOrClose;
            i++;
          } else {
            i = this.beginValue(chunk, i, c);
          }
          break;
        case St.CommaOrClose:
          if (c === 0x2c) this.state = St.Key;
          else if (c === 0x7d) this.state = St.Done;
          else throw this.invalid(c, i, "',' or '}'");
          i++;
          break;
        case St.ElementOrClose:
          if (c === 0x5d) {
            this.closeList();
            i++;
          } else i = this.beginValue(chunk, i, c);
          break;
        case St.Element:
          i = this.beginValue(chunk, i, c);
          break;
        case St.ElementCommaOrClose:
          if (c === 0x2c) this.state = St.Element;
          else if (c === 0x5d) this.closeList();
          else throw this.invalid(c, i, "',' or ']'");
          i++;
          break;
        case St.Done:
          throw new TraceScanError(`unexpected data after the end of the JSON at byte ${this.offset + i}`, 'invalid', this.offset + i);
      }
    }
    if (this.cap !== Cap.None && this.fresh) {
      // A value that began on this chunk's last byte(s) without capture() seeing it yet.
      this.fresh = false;
      this.pieces.push(chunk.subarray(this.localStart, n));
      this.piecesBytes += n - this.localStart;
    }
    this.offset += n;
  }

  /** Call after the last chunk: throws when the JSON is incomplete. */
  end(): void {
    if (this.state === St.Done) return;
    if (this.cap !== Cap.None) {
      // Cut inside a value, or a corrupt quote turned the rest of the file into one string.
      const what = this.cap === Cap.KeyStr ? 'member name' : this.inEvents ? 'event' : 'value';
      throw new TraceScanError(`the ${what} that begins at byte ${this.capStart} does not end before the end of the file at byte ${this.offset}`, 'unterminated', this.capStart);
    }
    const where = this.inEvents ? 'inside the event list' : this.state === St.Start ? 'before any JSON' : 'inside the top-level object';
    throw new TraceScanError(`ends ${where} at byte ${this.offset}`, this.state === St.Start ? 'invalid' : 'truncated', this.offset);
  }

  /**
   * The fast path inside the event list: every whole event from chunk[i] up to the last event boundary
   * of the chunk in one JSON.parse. A boundary is a '}' followed by ',' and '{'; JSON.parse('[' + text + ']')
   * succeeds only when the text is a sequence of complete values, so a '}' inside a string or inside an
   * event is refused by the parse itself, and the byte-by-byte path then takes the chunk. Returns where it
   * stopped (i when it did nothing).
   */
  private bulk(chunk: Buffer | Uint8Array, i: number, n: number): number {
    let a = i;
    while (a < n && isWs(chunk[a]!)) a++;
    if (this.state === St.ElementCommaOrClose) {
      if (chunk[a] !== 0x2c) return i;
      a++;
    } else if (this.state !== St.ElementOrClose && this.state !== St.Element) return i;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let p = n - 1;
    for (let tries = 0; ; tries++) {
      if (tries === 16) return i;
      p = buf.lastIndexOf(0x7d, p);
      if (p <= a) return i;
      if (nextIsElement(buf, p + 1, n)) break;
      p--;
    }
    let events: unknown;
    try {
      events = JSON.parse(`[${buf.toString('utf8', a, p + 1)}]`);
    } catch {
      return i;
    }
    for (const e of events as unknown[]) this.sink.element(e);
    this.state = St.ElementCommaOrClose;
    return p + 1;
  }

  private closeList(): void {
    this.inEvents = false;
    this.state = this.top === 'list' ? St.Done : St.CommaOrClose;
  }

  private beginValue(chunk: Uint8Array, i: number, c: number): number {
    if (c === 0x7b || c === 0x5b) {
      this.begin(Cap.Container, i);
      this.depth = 1;
      return i + 1;
    }
    if (c === QUOTE) {
      this.begin(Cap.Str, i);
      return i + 1;
    }
    if (c === 0x2c || c === 0x5d || c === 0x7d || c === 0x3a) throw this.invalid(c, i, 'a value');
    this.begin(Cap.Scalar, i);
    return i; // the scalar's first byte is looked at again by capture()
  }

  private begin(kind: Cap, i: number): void {
    this.cap = kind;
    this.capStart = this.offset + i;
    this.inStr = kind === Cap.Str || kind === Cap.KeyStr;
    this.pieces = [];
    this.piecesBytes = 0;
    this.localStart = i;
    this.fresh = true;
  }

  /** Scans the value being cut out from chunk[i]; returns where scanning stopped (the chunk's end, or just past the value). */
  private capture(chunk: Uint8Array, i: number, n: number): number {
    const from = this.fresh ? this.localStart : 0;
    if (this.skip > 0) {
      i += this.skip;
      this.skip = 0;
    }
    let inStr = this.inStr;
    let depth = this.depth;
    let endAt = -1;
    if (this.cap === Cap.Scalar) {
      for (; i < n; i++) {
        const c = chunk[i]!;
        if (c === 0x2c || c === 0x5d || c === 0x7d || isWs(c)) { endAt = i; break; }
      }
    } else if (this.cap === Cap.Container) {
      for (; i < n; i++) {
        const c = chunk[i]!;
        if (inStr) {
          if (c === BACKSLASH) i++;
          else if (c === QUOTE) inStr = false;
        } else if (c === QUOTE) inStr = true;
        else if (c === 0x7b || c === 0x5b) depth++;
        else if (c === 0x7d || c === 0x5d) {
          if (--depth === 0) { endAt = i + 1; break; }
        }
      }
    } else {
      for (; i < n; i++) {
        const c = chunk[i]!;
        if (c === BACKSLASH) i++;
        else if (c === QUOTE) { endAt = i + 1; break; }
      }
    }
    if (endAt < 0) {
      // The value goes on in the next chunk (an escape may have stepped one byte past this one).
      this.skip = i - n;
      this.inStr = inStr;
      this.depth = depth;
      this.fresh = false;
      this.pieces.push(chunk.subarray(from, n));
      this.piecesBytes += n - from;
      if (this.piecesBytes > this.maxValueBytes) {
        throw new TraceScanError(
          `holds one JSON value of more than ${mib(this.maxValueBytes)} starting at byte ${this.capStart} (an unterminated string or a corrupt event)`,
          'too-large', this.capStart);
      }
      return n;
    }
    const bytes = this.pieces.length === 0 ? chunk.subarray(from, endAt) : concat(this.pieces, chunk.subarray(from, endAt), this.piecesBytes);
    const kind = this.cap;
    this.cap = Cap.None;
    this.pieces = [];
    this.piecesBytes = 0;
    this.deliver(kind, bytes);
    return endAt;
  }

  private deliver(kind: Cap, bytes: Uint8Array): void {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      const msg = ((e as Error).message.split('\n')[0] ?? '').replace(/ in JSON at position \d+.*$/, '');
      const what = kind === Cap.KeyStr ? 'a member name' : this.inEvents ? 'an event' : `the value of "${this.key}"`;
      throw new TraceScanError(`${msg} in ${what} at byte ${this.capStart}`, 'invalid', this.capStart);
    }
    if (kind === Cap.KeyStr) {
      this.key = value as string;
      this.state = St.Colon;
    } else if (this.inEvents) {
      this.sink.element(value);
      this.state = St.ElementCommaOrClose;
    } else {
      this.sink.member(this.key, value);
      this.state = St.CommaOrClose;
    }
  }

  private invalid(c: number, i: number, expected: string): TraceScanError {
    const at = this.offset + i;
    const shown = c >= 0x21 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
    return new TraceScanError(`unexpected ${shown} at byte ${at} where ${expected} should be`, 'invalid', at);
  }
}

/** Whether chunk[from..] is whitespace, ',', whitespace, '{' (all of it inside this chunk). */
function nextIsElement(chunk: Uint8Array, from: number, n: number): boolean {
  let k = from;
  while (k < n && isWs(chunk[k]!)) k++;
  if (k >= n || chunk[k] !== 0x2c) return false;
  k++;
  while (k < n && isWs(chunk[k]!)) k++;
  return k < n && chunk[k] === 0x7b;
}

function mib(bytes: number): string {
  return bytes >= 1 << 20 ? `${Math.round(bytes / (1 << 20))} MiB` : `${bytes} bytes`;
}

function concat(pieces: Uint8Array[], last: Uint8Array, before: number): Uint8Array {
  const out = new Uint8Array(before + last.length);
  let o = 0;
  for (const p of pieces) {
    out.set(p, o);
    o += p.length;
  }
  out.set(last, o);
  return out;
}
