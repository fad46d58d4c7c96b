import { Command } from 'commander';
import { adminClientFor, table, withAdminOptions } from './admin-client.js';

interface SelectorFlags {
  domain?: string;
  tenant?: string;
  campaign?: string;
  routingDomain?: string;
  queue?: string[];
}

/** `mtakit queue …`: operate the queues of a running MTA through its admin HTTP API. */
export function queueCommand(): Command {
  const queue = new Command('queue').description('inspect and operate the queues of a running MTA (admin HTTP API)');
  const print = (value: unknown) => console.log(typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  // Tables for people; the API's own JSON with --json (every queue command has it, see withAdminOptions).
  const show = <T>(cmd: Command, data: T, render: (data: T) => string) => print(cmd.optsWithGlobals<{ json?: boolean }>().json ? data : render(data));

  queue
    .command('summary')
    .description('scheduled and ready queues with their counts')
    .action(async (_o, cmd: Command) => {
      const s = await adminClientFor(cmd).request<{ scheduled: Array<Record<string, unknown>>; ready: Array<Record<string, unknown>> }>('GET', '/api/admin/queue-summary/v1');
      show(cmd, s, () => `SCHEDULED QUEUES\n${table(s.scheduled, ['name', 'count', 'nextDue'])}\n\nREADY QUEUES\n${table(s.ready, ['name', 'count', 'connections', 'pausedUntil'])}`);
    });

  withSelector(queue.command('suspend').description('stop delivery from matching scheduled queues'))
    .requiredOption('--reason <text>', 'why (shown in listings and logs)')
    .option('--duration <duration>', 'how long, e.g. 2h (default 5m)')
    .action(async (o: SelectorFlags & { reason: string; duration?: string }, cmd: Command) => {
      print(await adminClientFor(cmd).request('POST', '/api/admin/suspend/v1', { ...selector(o), reason: o.reason, duration: o.duration }));
    });
  queue.command('suspensions').description('list scheduled-queue suspensions').action(async (_o, cmd: Command) => {
    show(cmd, await adminClientFor(cmd).request<Array<Record<string, unknown>>>('GET', '/api/admin/suspend/v1'), (rows) => table(rows, ['id', 'reason', 'expires', 'domain', 'tenant', 'campaign']));
  });
  queue.command('resume <id>').description('lift a scheduled-queue suspension').action(async (id: string, _o, cmd: Command) => {
    print(await adminClientFor(cmd).request('DELETE', '/api/admin/suspend/v1', { id }));
  });

  queue
    .command('suspend-ready-q <name>')
    .description('stop delivery on one ready queue (source->site@proto)')
    .requiredOption('--reason <text>', 'why')
    .option('--duration <duration>', 'how long (default 5m)')
    .action(async (name: string, o: { reason: string; duration?: string }, cmd: Command) => {
      print(await adminClientFor(cmd).request('POST', '/api/admin/suspend-ready-q/v1', { name, reason: o.reason, duration: o.duration }));
    });
  queue.command('resume-ready-q <id>').description('lift a ready-queue suspension').action(async (id: string, _o, cmd: Command) => {
    print(await adminClientFor(cmd).request('DELETE', '/api/admin/suspend-ready-q/v1', { id }));
  });

  withSelector(queue.command('bounce').description('bounce matching messages, now and while the entry lasts'))
    .requiredOption('--reason <text>', 'why (in each AdminBounce record)')
    .option('--duration <duration>', 'keep bouncing new arrivals this long (default 5m)')
    .option('--suppress-logging', 'do not log AdminBounce records')
    .action(async (o: SelectorFlags & { reason: string; duration?: string; suppressLogging?: boolean }, cmd: Command) => {
      print(await adminClientFor(cmd).request('POST', '/api/admin/bounce/v1', { ...selector(o), reason: o.reason, duration: o.duration, suppress_logging: o.suppressLogging === true }));
    });
  queue.command('bounces').description('list admin bounce entries').action(async (_o, cmd: Command) => {
    show(cmd, await adminClientFor(cmd).request<Array<Record<string, unknown>>>('GET', '/api/admin/bounce/v1'), (rows) => table(rows, ['id', 'reason', 'expires', 'domain', 'tenant', 'campaign']));
  });
  queue.command('unbounce <id>').description('cancel an admin bounce entry').action(async (id: string, _o, cmd: Command) => {
    print(await adminClientFor(cmd).request('DELETE', '/api/admin/bounce/v1', { id }));
  });

  withSelector(queue.command('rebind').description('re-evaluate the queue of matching messages'))
    .requiredOption('--reason <text>', 'why (in each AdminRebind record)')
    .option('--data <key=value...>', 'meta to set on each message, e.g. tenant=acme')
    .option('--always-flush', 'make the messages due now')
    .option('--trigger-rebind-event', 'call the rebind_message hook instead of setting --data as meta')
    .action(async (o: SelectorFlags & { reason: string; data?: string[]; alwaysFlush?: boolean; triggerRebindEvent?: boolean }, cmd: Command) => {
      const data = Object.fromEntries((o.data ?? []).map((kv) => {
        const at = kv.indexOf('=');
        if (at <= 0) throw new Error(`--data ${kv}: expected key=value`);
        return [kv.slice(0, at), kv.slice(at + 1)];
      }));
      print(await adminClientFor(cmd).request('POST', '/api/admin/rebind/v1', {
        ...selector(o), reason: o.reason, data, always_flush: o.alwaysFlush === true, trigger_rebind_event: o.triggerRebindEvent === true,
      }));
    });

  queue
    .command('inspect <id>')
    .description('show one message as the spool has it')
    .option('--body', 'include the message data')
    .action(async (id: string, o: { body?: boolean }, cmd: Command) => {
      print(await adminClientFor(cmd).request('GET', `/api/admin/inspect-message/v1?id=${encodeURIComponent(id)}&want_body=${o.body === true}`));
    });
  queue
    .command('inspect-queue <name>')
    .description('show a scheduled queue: config, count, next messages')
    .option('--limit <n>', 'messages to show', '20')
    .action(async (name: string, o: { limit: string }, cmd: Command) => {
      print(await adminClientFor(cmd).request('GET', `/api/admin/inspect-sched-q/v1?queue_name=${encodeURIComponent(name)}&limit=${Number(o.limit)}`));
    });
  queue.command('states').description('ready queues: limits, connections, suspensions').action(async (_o, cmd: Command) => {
    const r = await adminClientFor(cmd).request<{ ready_queues: Array<Record<string, unknown>> }>('GET', '/api/admin/ready-queues/v1');
    show(cmd, r, () => table(r.ready_queues, ['name', 'ready_count', 'connection_count', 'connection_limit', 'paused_until', 'suspended']));
  });

  queue
    .command('held')
    .description('mail held by the pre-send scorer, by campaign, with the risks a release acknowledges')
    .option('--tenant <tenant>', 'tenant')
    .option('--campaign <campaign>', 'campaign')
    .action(async (o: { tenant?: string; campaign?: string }, cmd: Command) => {
      const q = new URLSearchParams(Object.entries(o).filter(([, v]) => v !== undefined) as Array<[string, string]>);
      print(await adminClientFor(cmd).request('GET', `/api/admin/held/campaigns/v1?${q}`));
    });
  withSelector(queue.command('release').description('release held mail with an explicit override (who acknowledged which risks)'))
    .requiredOption('--acknowledged-by <who>', 'the operator taking the decision')
    .option('--risk <dimension...>', 'risk dimensions acknowledged (links, content, …); without them --reason is required')
    .option('--reason <text>', 'why the risk is accepted')
    .option('--duration <duration>', 'lower later holds of the campaign to flags for this long')
    .option('--id <id...>', 'only these held messages')
    .action(async (o: SelectorFlags & { acknowledgedBy: string; risk?: string[]; reason?: string; duration?: string; id?: string[] }, cmd: Command) => {
      print(await adminClientFor(cmd).request('POST', '/api/admin/held/release/v1', {
        ...selector(o), ids: o.id, acknowledged_by: o.acknowledgedBy, acknowledged_risks: o.risk, reason: o.reason, duration: o.duration,
      }));
    });

  return withAdminOptions(queue);
}

function withSelector(cmd: Command): Command {
  return cmd
    .option('--domain <domain>', 'recipient domain')
    .option('--tenant <tenant>', 'tenant')
    .option('--campaign <campaign>', 'campaign')
    .option('--routing-domain <domain>', 'routing domain')
    .option('--queue <name...>', 'exact scheduled queue names');
}

function selector(o: SelectorFlags) {
  return { domain: o.domain, tenant: o.tenant, campaign: o.campaign, routing_domain: o.routingDomain, queue_names: o.queue };
}
