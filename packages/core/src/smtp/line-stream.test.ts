import { SMTPStream } from 'smtp-server/lib/smtp-stream.js';
import { describe, expect, it } from 'vitest';
import { StrictLineStream } from './line-stream.js';

/** Commands and message contents a parser hands over for `input` written in `chunks` pieces. */
async function parse(parser: SMTPStream, input: Buffer, cuts: number[]): Promise<string[]> {
  const events: string[] = [];
  parser.oncommand = (command, next) => {
    const text = command.toString('latin1');
    events.push(`command ${text}`);
    if (text === 'DATA') {
      const stream = parser.startDataMode();
      const parts: Buffer[] = [];
      stream.on('data', (c: Buffer) => parts.push(c));
      stream.on('end', () => {
        events.push(`message ${JSON.stringify(Buffer.concat(parts).toString('latin1'))}`);
        parser.continue();
      });
    }
    next?.();
  };
  let at = 0;
  for (const cut of [...cuts, input.length]) {
    await new Promise<void>((resolve) => parser.write(input.subarray(at, cut), () => resolve()));
    at = cut;
  }
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return events;
}

/** A small deterministic PRNG, so a failure names a reproducible split. */
function random(seed: number): () => number {
  let x = seed;
  return () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

const sessions = [
  'EHLO a\r\nMAIL FROM:<a@b>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n',
  'DATA\r\n..leading dot\r\nmid.dle\r\n..\r\n...three\r\n.\r\nNOOP\r\n',
  'DATA\r\n.\r\nNOOP\r\n',
  'DATA\r\n..\r\n.\r\nNOOP\r\n',
  'DATA\r\n..x\r\n.\r\nMAIL FROM:<a@b>\r\nQUIT\r\n',
  'DATA\r\nbare\n.\nnot the end\r\n\r.\rstill not\r\n.\r\nRSET\r\n',
  'DATA\r\nno final line end.\r\n.\r\nQUIT\r\n',
  `DATA\r\n${'line of text\r\n.dot line\r\n'.repeat(300)}.\r\nQUIT\r\n`,
];

describe('StrictLineStream in data mode', () => {
  it('hands over exactly what smtp-server\'s parser does, whatever the chunking', async () => {
    const rnd = random(13);
    let compared = 0;
    for (const session of sessions) {
      const input = Buffer.from(session, 'latin1');
      // Byte by byte too, for the short ones.
      const splits: number[][] = input.length < 200 ? [[], Array.from({ length: input.length - 1 }, (_, i) => i + 1)] : [[]];
      for (let k = 0; k < 30; k++) {
        const cuts = new Set<number>();
        const count = 1 + Math.floor(rnd() * 8);
        for (let j = 0; j < count; j++) cuts.add(1 + Math.floor(rnd() * (input.length - 1)));
        splits.push([...cuts].sort((a, b) => a - b));
      }
      for (const cuts of splits) {
        const expected = await parse(new SMTPStream(), input, cuts);
        expect(await parse(new StrictLineStream(), input, cuts), `${JSON.stringify(session.slice(0, 40))} cut at ${cuts.join(',')}`).toEqual(expected);
        compared++;
      }
    }
    expect(compared).toBe(sessions.length * 31 + sessions.filter((x) => x.length < 200).length);
  }, 60_000);

  it('unescapes dots and stops at the terminator only', async () => {
    const events = await parse(new StrictLineStream(), Buffer.from(sessions[1] as string, 'latin1'), []);
    expect(events).toEqual(['command DATA', `message ${JSON.stringify('.leading dot\r\nmid.dle\r\n.\r\n..three\r\n')}`, 'command NOOP']);
  });
});
