import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { resolveEgressPathConfig } from './egress-path.js';
import { resolveEgressPool } from './egress-pool.js';
import { resolveEgressSource } from './egress-source.js';
import { resolveQueueConfig } from './queue-config.js';

describe('queue config', () => {
  it('has KumoMTA defaults', () => {
    const c = resolveQueueConfig({});
    expect(c.retry_interval).toBe(20 * 60_000);
    expect(c.max_retry_interval).toBeUndefined();
    expect(c.max_age).toBe(7 * 86_400_000);
    expect(c.egress_pool).toBe('unspecified');
    expect(c.protocol).toEqual({ kind: 'smtp' });
    expect(c.refresh_strategy).toBe('Ttl');
  });

  it('parses mx_list entries', () => {
    const c = resolveQueueConfig({ protocol: { smtp: { mx_list: ['mx.example.com', 'relay:2525', '[127.0.0.1]:2526', { name: 'x', addr: '10.0.0.1' }] } } });
    expect(c.protocol).toEqual({
      kind: 'smtp',
      mx_list: [{ name: 'mx.example.com' }, { name: 'relay', port: 2525 }, { name: '[127.0.0.1]', addr: '127.0.0.1', port: 2526 }, { name: 'x', addr: '10.0.0.1' }],
    });
  });

  it('names the bad key and value', () => {
    expect(() => resolveQueueConfig({ retry_interval: 'often' })).toThrow(ConfigError);
    expect(() => resolveQueueConfig({ retry_interval: 'often' })).toThrow(/queue_config\.retry_interval="often"/);
    expect(() => resolveQueueConfig({ retry_intervall: '1m' } as never)).toThrow(/queue_config\.retry_intervall.*not a known option/);
    expect(() => resolveQueueConfig({ max_message_rate: '5 per sec' })).toThrow(/queue_config\.max_message_rate/);
  });
});

describe('egress path config', () => {
  it('has KumoMTA defaults', () => {
    const c = resolveEgressPathConfig({});
    expect(c.connection_limit).toEqual({ limit: 32, local: false });
    expect(c.max_deliveries_per_connection).toBe(1024);
    expect(c.max_recipients_per_batch).toBe(100);
    expect(c.max_ready).toBe(1024);
    expect(c.enable_tls).toBe('Opportunistic');
    expect(c.smtp_port).toBe(25);
    expect(c.timeouts.idle_timeout).toBe(5000);
    expect(c.timeouts.data_timeout).toBe(300_000);
    expect(c.prohibited_hosts).toContain('127.0.0.0/8');
  });

  it('accepts KumoMTA-only knobs without effect and rejects unknown ones', () => {
    expect(() => resolveEgressPathConfig({ enable_mta_sts: true, tls_prefer_openssl: false })).not.toThrow();
    expect(() => resolveEgressPathConfig({ conection_limit: 3 } as never)).toThrow(/egress_path\.conection_limit/);
    expect(() => resolveEgressPathConfig({ enable_tls: 'Sometimes' as never })).toThrow(/enable_tls="Sometimes": must be one of/);
  });

  it('honours reconnect_strategy ConnectNextHost and refuses the strategies it does not implement, naming the one to use', () => {
    expect(resolveEgressPathConfig({ reconnect_strategy: 'ConnectNextHost' }).reconnect_strategy).toBe('ConnectNextHost');
    expect(() => resolveEgressPathConfig({ reconnect_strategy: 'ReconnectSameHost' })).toThrow(/egress_path\.reconnect_strategy="ReconnectSameHost": mtakit implements only ConnectNextHost/);
    expect(() => resolveEgressPathConfig({ reconnect_strategy: 'TerminateSession' })).toThrow(/use ConnectNextHost or leave it unset/);
  });
});

describe('sources and pools', () => {
  it('validates', () => {
    expect(resolveEgressSource({ name: 'ip-1', source_address: '127.0.0.2' })).toMatchObject({ name: 'ip-1', ttl: 60_000 });
    expect(() => resolveEgressSource({ name: '' })).toThrow(/egress_source\.name/);
    expect(resolveEgressPool({ name: 'p', entries: [{ name: 'a' }, { name: 'b', weight: 3 }] }).entries).toEqual([
      { name: 'a', weight: 1 },
      { name: 'b', weight: 3 },
    ]);
    expect(() => resolveEgressPool({ name: 'p', entries: [] })).toThrow(/egress_pool\.entries/);
  });
});
