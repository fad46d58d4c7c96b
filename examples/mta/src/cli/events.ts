import { Command } from 'commander';
import { adminClientFor, table, withAdminOptions } from './admin-client.js';

/** `mtakit events …`: event endpoints and their dead letters, through the admin HTTP API. */
export function eventsCommand(): Command {
  const events = new Command('events').description('event endpoints (webhooks, brokers) of a running MTA and their dead letters');
  // --json may land on this command or on the group above it (`events dlq --json list`): ask both.
  const print = (cmd: Command, value: unknown, render: () => string) =>
    console.log(cmd.optsWithGlobals<{ json?: boolean }>().json ? JSON.stringify(value, null, 2) : render());

  events
    .command('endpoints')
    .description('per endpoint: sent, failed attempts, dead-lettered, queued, oldest age, breaker')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await adminClientFor(cmd).request<{ endpoints: Array<Record<string, unknown>> }>('GET', '/api/events/v1/endpoints');
      print(cmd, r, () => table(r.endpoints, ['name', 'target', 'sent', 'failed', 'dead_lettered', 'queued', 'oldest_age_ms', 'breaker']));
    });

  const dlq = new Command('dlq').description('dead letters: events an endpoint gave up on');
  dlq
    .command('list <endpoint>')
    .option('--limit <n>', 'at most this many', '100')
    .action(async (endpoint: string, o: { limit: string }, cmd: Command) => {
      const query = new URLSearchParams({ endpoint, limit: o.limit });
      const r = await adminClientFor(cmd).request<{ dead_letters: Array<{ event: { event_id: string; type: string; tenant: string | null }; reason: string; dead_at: number }> }>('GET', `/api/events/v1/dead-letters?${query}`);
      print(cmd, r, () => table(r.dead_letters.map((d) => ({
        event_id: d.event.event_id, type: d.event.type, tenant: d.event.tenant, dead_at: new Date(d.dead_at).toISOString(), reason: d.reason,
      })), ['event_id', 'type', 'tenant', 'dead_at', 'reason']));
    });
  dlq
    .command('replay <endpoint>')
    .description('queue the dead letters again, in order')
    .action(async (endpoint: string, _o: unknown, cmd: Command) => {
      const r = await adminClientFor(cmd).request<{ replayed: number }>('POST', '/api/events/v1/dead-letters/replay', { endpoint });
      print(cmd, r, () => `${r.replayed} event(s) queued again for ${endpoint}`);
    });
  events.addCommand(withAdminOptions(dlq));
  return withAdminOptions(events);
}
