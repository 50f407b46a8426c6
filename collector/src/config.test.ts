import { describe, expect, it } from 'vitest';
import { CONFIG_ENV_VARS, configFromEnv } from './config.js';

describe('configFromEnv', () => {
  it('has documented defaults', () => {
    const c = configFromEnv({});
    expect(c).toMatchObject({
      port: 4318,
      dataDir: './mcpscope-data',
      clickhouseDatabase: 'mcpscope',
      retentionDays: 30,
    });
    expect(c.clickhouseUrl).toBeUndefined();
  });

  it('reads every variable it lists', () => {
    const base = configFromEnv({});
    for (const name of CONFIG_ENV_VARS) {
      const numeric = /(PORT|DAYS|MAX_SPANS|MAX_BYTES|MAX_ROWS|_MS|_MB|_S)$/.test(name);
      const value = numeric ? '7' : `value-of-${name}`;
      const changed = configFromEnv({ [name]: value });
      expect(changed, `${name} is listed but not read`).not.toEqual(base);
    }
  });

  it('listens for OTLP/gRPC on 4317 unless MCPSCOPE_GRPC_PORT says another port, 0 or off', () => {
    expect(configFromEnv({}).grpcPort).toBe(4317);
    expect(configFromEnv({ MCPSCOPE_GRPC_PORT: '14317' }).grpcPort).toBe(14317);
    expect(configFromEnv({ MCPSCOPE_GRPC_PORT: '0' }).grpcPort).toBe(0);
    expect(configFromEnv({ MCPSCOPE_GRPC_PORT: 'off' }).grpcPort).toBe(0);
    expect(configFromEnv({ MCPSCOPE_GRPC_PORT: 'OFF' }).grpcPort).toBe(0);
    expect(() => configFromEnv({ MCPSCOPE_GRPC_PORT: '70000' })).toThrow(/MCPSCOPE_GRPC_PORT/);
    expect(() => configFromEnv({ MCPSCOPE_GRPC_PORT: 'grpc' })).toThrow(/MCPSCOPE_GRPC_PORT/);
  });

  it('refuses a number that is not one', () => {
    expect(() => configFromEnv({ MCPSCOPE_PORT: 'eighty' })).toThrow(/invalid number/);
  });
});
