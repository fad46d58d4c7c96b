import { describe, expect, it } from 'vitest';
import { Evaluation } from '../evaluation.js';
import { context, mail, pointsFor, runStage } from '../test-support.js';
import { timeOfSendStage } from './time-of-send.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WINDOW = 15 * 60_000;
const TODAY = Date.UTC(2026, 2, 13);
const message = mail();

/** Records `perWindow` accepted messages in each 15-minute window of [from, to). */
function history(stage: ReturnType<typeof timeOfSendStage>, from: number, to: number, perWindow: number, tenant = 'acme') {
  for (let w = from; w < to; w += WINDOW) {
    for (let i = 0; i < perWindow; i++) stage.observe?.(new Evaluation(message, context(tenant), w + (i * WINDOW) / perWindow), 'pass');
  }
}

/** Ten days of office-hours sending (09:00–17:00 UTC), 50 messages per window. */
function officeHours(stage: ReturnType<typeof timeOfSendStage>) {
  for (let d = 10; d >= 1; d--) history(stage, TODAY - d * DAY + 9 * HOUR, TODAY - d * DAY + 17 * HOUR, 50);
}

describe('time-of-send stage', () => {
  it('gives usual volume at a usual hour nothing', async () => {
    const stage = timeOfSendStage({ minPeak: 10 });
    officeHours(stage);
    history(stage, TODAY + 9 * HOUR, TODAY + 10 * HOUR, 50);
    expect((await runStage(stage, message, context(), TODAY + 10 * HOUR + 60_000)).reasons).toEqual([]);
  });

  it('flags a burst against the tenant’s usual peak', async () => {
    const stage = timeOfSendStage({ minPeak: 10 });
    officeHours(stage);
    history(stage, TODAY + 10 * HOUR, TODAY + 10 * HOUR + WINDOW, 400);
    const outcome = await runStage(stage, message, context(), TODAY + 10 * HOUR + WINDOW - 1);
    // 401 in the window vs a peak of 50: 8× → 30 × log2(8 / 1.5) ≈ 72, capped at 60.
    expect(pointsFor(outcome, /401 messages in the last 15m, 8\.0× the tenant's usual peak of 50/)).toBe(60);
  });

  it('does not count a burst below minPeak for a quiet tenant', async () => {
    const stage = timeOfSendStage();
    officeHours(stage);
    history(stage, TODAY + 10 * HOUR, TODAY + 10 * HOUR + WINDOW, 200);
    expect((await runStage(stage, message, context(), TODAY + 10 * HOUR + WINDOW - 1)).score).toBe(0); // 201 < 3 × 100
  });

  it('flags a hour the tenant never sends at', async () => {
    const stage = timeOfSendStage({ minPeak: 10 });
    officeHours(stage);
    const outcome = await runStage(stage, message, context(), TODAY + 3 * HOUR);
    expect(pointsFor(outcome, /sends 0.0% of its mail at 03:00 UTC/)).toBe(25);
  });

  it('flags a large first burst from a tenant without history, and nothing for another tenant’s history', async () => {
    const stage = timeOfSendStage();
    officeHours(stage);
    history(stage, TODAY + 10 * HOUR, TODAY + 10 * HOUR + WINDOW, 1200, 'newcomer');
    const outcome = await runStage(stage, message, context('newcomer'), TODAY + 10 * HOUR + WINDOW - 1);
    expect(pointsFor(outcome, /1201 messages in the last 15m from a tenant with little sending history/)).toBe(30);
    expect((await runStage(stage, message, context('third'), TODAY + 10 * HOUR)).score).toBe(0);
  });
});
