import { Scorer, builtinStages, ReputationTracker, MemoryFreshnessStore } from '../packages/scorer/src/index.js';
import { context, mail, UNSUBSCRIBE } from '../packages/scorer/src/test-support.js';
const s = new Scorer({ stages: builtinStages({ reputation: { tracker: new ReputationTracker() }, freshness: { store: new MemoryFreshnessStore() } }) });
const clean = mail({ subject: 'March product update', text: 'We shipped faster search and a new billing page this month.', html: '<p>We shipped faster search and a new billing page this month.</p>', headers: UNSUBSCRIBE });
const r = await s.evaluate(clean, context());
console.log(r.verdict, r.score, r.skipped, JSON.stringify(r.breakdown));
