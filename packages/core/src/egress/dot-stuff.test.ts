import { describe, expect, it } from 'vitest';
import { dotStuffed } from './dot-stuff.js';

/** RFC 5321 §4.5.2 written the slow, obvious way: every line end CRLF, leading dots doubled, the terminator. */
function reference(text: string): string {
  const lines = text.replace(/\r\n|\r|\n/g, '\r\n').replace(/(^|\r\n)\./g, '$1..');
  return lines + (lines.endsWith('\r\n') ? '.\r\n' : '\r\n.\r\n');
}

describe('dotStuffed', () => {
  it('leaves a canonical message as it is and adds the terminator', () => {
    expect(dotStuffed(Buffer.from('Subject: x\r\n\r\nhi\r\n')).toString()).toBe('Subject: x\r\n\r\nhi\r\n.\r\n');
    expect(dotStuffed(Buffer.from('no final line end')).toString()).toBe('no final line end\r\n.\r\n');
    expect(dotStuffed(Buffer.alloc(0)).toString()).toBe('\r\n.\r\n');
  });

  it('doubles dots that start a line, also the first one and one after a bare CR', () => {
    expect(dotStuffed(Buffer.from('.a\r\n.\r\n..b\r\nc.d\r\n')).toString()).toBe('..a\r\n..\r\n...b\r\nc.d\r\n.\r\n');
    expect(dotStuffed(Buffer.from('x\r.y')).toString()).toBe('x\r\n..y\r\n.\r\n');
  });

  it('turns bare CR and bare LF into CRLF, so no lone one can end the data early', () => {
    expect(dotStuffed(Buffer.from('a\nb\rc\r\n')).toString()).toBe('a\r\nb\r\nc\r\n.\r\n');
    expect(dotStuffed(Buffer.from('a\n.\nb')).toString()).toBe('a\r\n..\r\nb\r\n.\r\n');
    expect(dotStuffed(Buffer.from('ends with CR\r')).toString()).toBe('ends with CR\r\n.\r\n');
  });

  it('agrees with the reference on every string of up to 7 characters from CR, LF, dot and a letter', () => {
    const alphabet = ['\r', '\n', '.', 'a'];
    let strings = [''];
    let checked = 0;
    const wrong: string[] = [];
    for (let length = 0; length <= 7; length++) {
      for (const s of strings) {
        if (dotStuffed(Buffer.from(s, 'latin1')).toString('latin1') !== reference(s)) wrong.push(JSON.stringify(s));
        checked++;
      }
      strings = strings.flatMap((s) => alphabet.map((c) => s + c));
    }
    expect(wrong).toEqual([]);
    expect(checked).toBe((4 ** 8 - 1) / 3);
  });
});
