// Result lines of the A/B benchmarks (peers-ab, smtp-listener-cost): printed, kept for the
// summary, appended to a JSONL file when one is given; and the median of the summary tables.
import { appendFileSync } from 'node:fs';

export function recordLine(line, lines, resultsFile) {
  console.log(JSON.stringify(line));
  lines.push(line);
  if (resultsFile) appendFileSync(resultsFile, `${JSON.stringify(line)}\n`);
}

/** The lower median (an actual run's value). */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/**
 * The summary table: one row per style and checkout that has runs, `cells(runs)` giving the
 * columns after style, checkout and run count (`median` of a field: `med(runs, 'rate')`).
 */
export function printSummary(lines, { styles, names, sessions = 20, header, cells }) {
  console.log(`\n| injection style | checkout | runs | ${header.join(' | ')} |`);
  console.log(`|${'---|'.repeat(header.length + 3)}`);
  for (const style of styles) {
    for (const name of names) {
      const runs = lines.filter((l) => l.name === name && l.style === style);
      if (runs.length === 0) continue;
      const label = style === 'reuse' ? `${sessions} reused sessions (-d)` : 'new session per message';
      console.log(`| ${label} | ${name} | ${runs.length} | ${cells(runs).join(' | ')} |`);
    }
  }
}

/** Median of one field over runs. */
export const med = (runs, field) => median(runs.map((r) => r[field]));
