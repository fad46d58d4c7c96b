const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const END_AFTER_CRLF = Buffer.from('.\r\n');
const END_AFTER_CR = Buffer.from('\n.\r\n');
const END_OTHERWISE = Buffer.from('\r\n.\r\n');

/**
 * A message as it goes after DATA (RFC 5321 §4.5.2), terminator included: every line end made
 * CRLF (a bare CR or LF becomes CRLF: a receiver that took a lone one as a line end could be
 * made to see "<LF>.<LF>" as the end of the data, SMTP smuggling), a dot starting a line doubled.
 *
 * The common case, a message already in canonical form (what the listener spooled), is found with
 * `indexOf` over the line ends and costs one copy; only a message needing changes goes byte by
 * byte.
 */
export function dotStuffed(data: Buffer): Buffer {
  if (isCanonical(data)) return Buffer.concat([data, terminator(data)]);
  const out: number[] = [];
  let prev = -1;
  for (const byte of data) {
    if (prev === CR && byte !== LF) out.push(LF);
    if (byte === LF && prev !== CR) out.push(CR);
    // A line starts after LF, after a bare CR (now CRLF), and at the start of the data.
    if (byte === DOT && (prev === LF || prev === CR || prev === -1)) out.push(DOT);
    out.push(byte);
    prev = byte;
  }
  const body = Buffer.from(out);
  return Buffer.concat([body, terminator(body)]);
}

/** Every CR followed by LF, every LF preceded by CR, and no line starting with a dot. */
function isCanonical(data: Buffer): boolean {
  if (data[0] === DOT) return false;
  let crs = 0;
  for (let i = data.indexOf(CR); i !== -1; i = data.indexOf(CR, i + 1)) {
    if (i + 1 < data.length && data[i + 1] !== LF) return false;
    crs++;
  }
  let lfs = 0;
  for (let i = data.indexOf(LF); i !== -1; i = data.indexOf(LF, i + 1)) {
    if (i === 0 || data[i - 1] !== CR) return false;
    if (data[i + 1] === DOT) return false;
    lfs++;
  }
  // A CR as the very last byte has no LF yet: the terminator completes it (END_AFTER_CR).
  return crs === lfs || (crs === lfs + 1 && data[data.length - 1] === CR);
}

function terminator(data: Buffer): Buffer {
  const last = data[data.length - 1];
  return last === LF ? END_AFTER_CRLF : last === CR ? END_AFTER_CR : END_OTHERWISE;
}
