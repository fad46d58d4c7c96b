import { readFileSync } from 'node:fs';
import { parseBounceMessage } from '@mtakit/bounce';
for (const f of process.argv.slice(2)) {
  const s = await parseBounceMessage(readFileSync(f)).catch((e: Error) => e.message);
  console.log(f.split('/').slice(-1)[0], typeof s === 'string' ? s : JSON.stringify(s.map((x) => [x.recipient, x.category, x.reply.slice(0, 160), x.extractor])));
}
