// Specification of loadConfig: environment plus an optional JSON file, validated at boot.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@dotmac/kernel';
import { afterAll, describe, expect, test } from 'vitest';
import { pluginRegistries, trustedPluginKeys } from '../src/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'dotmac-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** Writes `content` to a fresh file and returns its path. */
function configFile(content: string): string {
  const path = join(dir, `config-${++files}.json`);
  writeFileSync(path, content);
  return path;
}

/** The ConfigError `loadConfig(env)` throws; fails the test when it does not throw one. */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  test('an empty environment gives the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      PORT: 3000,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      RUN_WORKERS: true,
      DATA_DIR: '.dotmac',
      QUEUE_PREFIX: 'dotmac',
      DB_POOL_MAX: 10,
      EVENT_MAX_ATTEMPTS: 8,
      EVENT_BACKOFF_MS: 1000,
      EVENT_LEASE_MS: 30000,
      SHUTDOWN_TIMEOUT_MS: 10000,
      PLUGIN_EGRESS_ALLOW_HTTP: false,
      PLATFORM_HOSTNAMES: 'localhost,127.0.0.1',
      MAIL_FROM: 'DotMac <no-reply@localhost>',
      ACCESS_TOKEN_TTL_S: 900,
      REFRESH_TOKEN_TTL_S: 2592000,
      LOGIN_MAX_FAILURES: 5,
      LOGIN_WINDOW_S: 900,
    });
  });

  test('PLUGIN_EGRESS_ALLOW_NETWORKS takes CIDR ranges and names each one that is not', () => {
    expect(loadConfig({ PLUGIN_EGRESS_ALLOW_NETWORKS: '10.20.0.0/16, fd00::/8' }).PLUGIN_EGRESS_ALLOW_NETWORKS).toBe(
      '10.20.0.0/16, fd00::/8',
    );
    expect(() => loadConfig({ PLUGIN_EGRESS_ALLOW_NETWORKS: '10.20.0.0/33,fd00::/8,300.1.1.1/8' })).toThrow(
      'PLUGIN_EGRESS_ALLOW_NETWORKS: 10.20.0.0/33, 300.1.1.1/8 are not CIDR ranges',
    );
  });

  test('DATAGRAM_ALLOW_NETWORKS is unset (no network) by default, takes CIDR ranges and names each one that is not', () => {
    expect(loadConfig({}).DATAGRAM_ALLOW_NETWORKS).toBeUndefined();
    expect(loadConfig({ DATAGRAM_ALLOW_NETWORKS: '' }).DATAGRAM_ALLOW_NETWORKS).toBeUndefined();
    expect(loadConfig({ DATAGRAM_ALLOW_NETWORKS: '10.20.0.0/16, fd00:20::/48' }).DATAGRAM_ALLOW_NETWORKS).toBe(
      '10.20.0.0/16, fd00:20::/48',
    );
    expect(() => loadConfig({ DATAGRAM_ALLOW_NETWORKS: '10.20.0.0/16,10.30.0.0/40' })).toThrow(
      'DATAGRAM_ALLOW_NETWORKS: 10.30.0.0/40 is not a CIDR range',
    );
    expect(configError({ DATAGRAM_ALLOW_NETWORKS: 'nas.example.net' }).problems).toEqual([
      'DATAGRAM_ALLOW_NETWORKS: must be comma-separated CIDR ranges, like 10.20.0.0/16,fd00:20::/48 (got "nas.example.net")',
    ]);
  });

  test('PLUGIN_REGISTRIES and PLUGIN_TRUSTED_KEYS are JSON checked against the schema, each problem named', () => {
    const key = `ed25519:${'A'.repeat(43)}`;
    const registries = JSON.stringify([
      { url: 'https://plugins.example.net', trustedKeys: [{ publisher: 'acme', publicKey: key }] },
    ]);
    const config = loadConfig({
      PLUGIN_REGISTRIES: registries,
      PLUGIN_TRUSTED_KEYS: JSON.stringify([{ publisher: 'acme', publicKey: key }]),
    });
    expect(pluginRegistries(config)).toEqual([
      { url: 'https://plugins.example.net', trustedKeys: [{ publisher: 'acme', publicKey: key }] },
    ]);
    expect(trustedPluginKeys(config)).toEqual([{ publisher: 'acme', publicKey: key }]);
    expect(pluginRegistries(loadConfig({}))).toEqual([]);
    expect(configError({ PLUGIN_REGISTRIES: '[{"url": ' }).problems[0]).toMatch(/^PLUGIN_REGISTRIES: is not JSON/);
    expect(
      configError({
        PLUGIN_REGISTRIES: JSON.stringify([
          { url: 'https://x.example', trustedKeys: [{ publisher: 'acme', publicKey: 'rsa:1' }] },
        ]),
      }).problems,
    ).toEqual([
      'PLUGIN_REGISTRIES: must be a JSON array of { url, trustedKeys: [{ publisher, publicKey }] }: /0/trustedKeys/0/publicKey must match pattern "^ed25519:[A-Za-z0-9_-]{43}$"',
    ]);
    expect(configError({ PLUGIN_TRUSTED_KEYS: '{}' }).problems).toEqual([
      'PLUGIN_TRUSTED_KEYS: must be a JSON array of { publisher, publicKey }: / must be array',
    ]);
  });

  test('the configuration returned is frozen', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
  });

  test('a non-numeric PORT is refused naming PORT and showing the value given', () => {
    const error = configError({ PORT: 'abc' });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^PORT: /);
    expect(error.problems[0]).toContain('"abc"');
    expect(error.message).toContain('PORT');
    expect(error.message).toContain('abc');
  });

  test('an out-of-range PORT is refused naming PORT and its bound', () => {
    const error = configError({ PORT: '70000' });
    expect(error.problems).toEqual([expect.stringMatching(/^PORT: .*65535.*70000/)]);
  });

  test('a DATABASE_URL that is not a postgres URL is refused saying it must be one', () => {
    const error = configError({ DATABASE_URL: 'notaurl' });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(error.problems[0]).toContain('notaurl');
  });

  test('a password in a refused URL is not repeated in the error', () => {
    const error = configError({ DATABASE_URL: 'mysql://admin:hunter2secret@db:3306/isp' });
    expect(error.problems[0]).toMatch(/^DATABASE_URL: /);
    expect(error.message).not.toContain('hunter2secret');
    expect(error.message).toContain('admin');
  });

  test('a too-short ADMIN_TOKEN is refused without repeating the secret', () => {
    const error = configError({ ADMIN_TOKEN: 'tooshort' });
    expect(error.problems).toEqual([expect.stringMatching(/^ADMIN_TOKEN: must be a secret of at least 16 characters/)]);
    expect(error.message).not.toContain('tooshort');
  });

  test('an unknown LOG_LEVEL is refused listing the allowed levels', () => {
    const error = configError({ LOG_LEVEL: 'verbose' });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^LOG_LEVEL: /);
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) {
      expect(error.problems[0]).toContain(level);
    }
    expect(error.problems[0]).toContain('"verbose"');
  });

  test('several bad keys are reported together, one line each', () => {
    const error = configError({ PORT: 'abc', DATABASE_URL: 'notaurl', QUEUE_PREFIX: 'no spaces', DB_POOL_MAX: '0' });
    expect(error.problems).toHaveLength(4);
    for (const key of ['PORT', 'DATABASE_URL', 'QUEUE_PREFIX', 'DB_POOL_MAX']) {
      expect(error.problems.filter((p) => p.startsWith(`${key}: `))).toHaveLength(1);
    }
    expect(error.message.split('\n')).toHaveLength(5);
  });

  test('an empty environment value counts as unset', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '', LOG_LEVEL: '', RUN_WORKERS: '' });
    expect(config.PORT).toBe(3000);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.RUN_WORKERS).toBe(true);
  });

  test('environment variables that are not settings are ignored', () => {
    const config = loadConfig({ PATH: '/usr/bin', HOME: '/root', port: 'abc', DOTMAC_UNKNOWN: 'x' });
    expect(config).not.toHaveProperty('PATH');
    expect(config).not.toHaveProperty('DOTMAC_UNKNOWN');
    expect(config.PORT).toBe(3000);
  });

  test('booleans and integers are read from their string forms', () => {
    const config = loadConfig({
      RUN_WORKERS: 'false',
      REDIS_URL: 'redis://127.0.0.1:6379',
      EVENT_MAX_ATTEMPTS: '8',
      PORT: '8080',
    });
    expect(config.RUN_WORKERS).toBe(false);
    expect(config.EVENT_MAX_ATTEMPTS).toBe(8);
    expect(config.PORT).toBe(8080);
    expect(loadConfig({ RUN_WORKERS: 'true' }).RUN_WORKERS).toBe(true);
  });

  test('a fractional integer setting is refused', () => {
    expect(configError({ DB_POOL_MAX: '2.5' }).problems).toEqual([expect.stringMatching(/^DB_POOL_MAX: .*"2.5"/)]);
  });

  test('RUN_WORKERS=false without REDIS_URL is refused, since no worker would run the jobs', () => {
    const error = configError({ RUN_WORKERS: 'false' });
    expect(error.problems).toEqual([expect.stringMatching(/^RUN_WORKERS: .*REDIS_URL/)]);
  });

  test('RUN_WORKERS=false without REDIS_URL is reported together with other bad keys', () => {
    const error = configError({ RUN_WORKERS: 'false', PORT: 'abc' });
    expect(error.problems.map((p) => p.split(':')[0]).sort()).toEqual(['PORT', 'RUN_WORKERS']);
  });

  describe('with a DOTMAC_CONFIG_FILE', () => {
    test('the file supplies settings', () => {
      const path = configFile(JSON.stringify({ PORT: 4000, HOST: '0.0.0.0', RUN_WORKERS: true }));
      const config = loadConfig({ DOTMAC_CONFIG_FILE: path });
      expect(config.PORT).toBe(4000);
      expect(config.HOST).toBe('0.0.0.0');
      expect(config.LOG_LEVEL).toBe('info');
    });

    test('the environment wins over the file', () => {
      const path = configFile(JSON.stringify({ PORT: 4000, LOG_LEVEL: 'debug' }));
      const config = loadConfig({ DOTMAC_CONFIG_FILE: path, PORT: '5000' });
      expect(config.PORT).toBe(5000);
      expect(config.LOG_LEVEL).toBe('debug');
    });

    test('an empty environment value does not override the file', () => {
      const path = configFile(JSON.stringify({ PORT: 4000 }));
      expect(loadConfig({ DOTMAC_CONFIG_FILE: path, PORT: '' }).PORT).toBe(4000);
    });

    test('a bad value in the file is refused naming the key', () => {
      const path = configFile(JSON.stringify({ PORT: 'abc' }));
      expect(configError({ DOTMAC_CONFIG_FILE: path }).problems).toEqual([expect.stringMatching(/^PORT: .*"abc"/)]);
    });

    test('an unknown key in the file is refused naming it', () => {
      const path = configFile(JSON.stringify({ PORT: 4000, PROT: 4001 }));
      const error = configError({ DOTMAC_CONFIG_FILE: path });
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatch(/^PROT: is not a known setting/);
    });

    test('a file that does not exist is refused naming DOTMAC_CONFIG_FILE and the path', () => {
      const path = join(dir, 'missing.json');
      const error = configError({ DOTMAC_CONFIG_FILE: path });
      expect(error.problems).toEqual([expect.stringMatching(/^DOTMAC_CONFIG_FILE: cannot read /)]);
      expect(error.problems[0]).toContain(path);
    });

    test('a file that is not JSON is refused naming DOTMAC_CONFIG_FILE', () => {
      const path = configFile('PORT=4000\n');
      const error = configError({ DOTMAC_CONFIG_FILE: path });
      expect(error.problems).toEqual([expect.stringMatching(/^DOTMAC_CONFIG_FILE: .*not a JSON object/)]);
      expect(error.problems[0]).toContain(path);
    });

    test('a JSON file that is not an object is refused naming DOTMAC_CONFIG_FILE', () => {
      for (const content of ['[1, 2]', 'null', '42']) {
        const error = configError({ DOTMAC_CONFIG_FILE: configFile(content) });
        expect(error.problems).toEqual([expect.stringMatching(/^DOTMAC_CONFIG_FILE: /)]);
      }
    });

    test('an empty DOTMAC_CONFIG_FILE means no file', () => {
      expect(loadConfig({ DOTMAC_CONFIG_FILE: '' }).PORT).toBe(3000);
    });
  });
});
