import { describe, expect, it } from 'vitest';
import { shapingSettings } from './shaping.js';

describe('shapingSettings', () => {
  it('reads the switch, the files (relative to the working directory) and the Redis URL', () => {
    expect(shapingSettings({}, '/srv')).toEqual({ enabled: true, files: [], redisUrl: undefined });
    expect(shapingSettings({ MTAKIT_SHAPING: 'off', MTAKIT_SHAPING_FILES: 'a.toml, /etc/b.json', MTAKIT_REDIS_URL: 'redis://r:6379' }, '/srv'))
      .toEqual({ enabled: false, files: ['/srv/a.toml', '/etc/b.json'], redisUrl: 'redis://r:6379' });
    expect(() => shapingSettings({ MTAKIT_SHAPING: 'sometimes' })).toThrow(/MTAKIT_SHAPING.*must be on or off/);
  });
});
