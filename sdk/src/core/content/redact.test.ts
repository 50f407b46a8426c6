import { describe, expect, it } from 'vitest';
import { isSensitiveKey, REDACTED, redactString, redactValue } from './redact.js';

describe('isSensitiveKey', () => {
  it('matches credential key names in any case and separator style', () => {
    for (const key of [
      'password',
      'PASSWD',
      'clientSecret',
      'refresh_token',
      'X-Api-Key',
      'apikey',
      'Authorization',
      'Set-Cookie',
      'session_id',
      'private_key',
      'aws_credentials',
    ]) {
      expect(isSensitiveKey(key), key).toBe(true);
    }
  });
  it('leaves ordinary keys and token counts alone', () => {
    for (const key of ['city', 'author', 'maxTokens', 'total_tokens', 'description', 'uri']) {
      expect(isSensitiveKey(key), key).toBe(false);
    }
  });
});

describe('redactString', () => {
  it.each([
    ['Bearer abcdef.ghijkl-mnop', 'auth: Bearer abcdef.ghijkl-mnop'],
    ['JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJlX3ZhbHVl'],
    ['AWS', 'key AKIAIOSFODNN7EXAMPLE here'],
    ['GitHub', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
    ['OpenAI', 'sk-proj-abcdefghijklmnopqrstuvwx'],
    ['Slack', 'xoxb-1234567890-abcdefghij'],
    ['Google', 'AIzaSyA-abcdefghijklmnopqrstuvwxyz12345'],
  ])('masks %s', (_label, text) => {
    const out = redactString(text);
    expect(out).toContain(REDACTED);
    expect(out).not.toMatch(/abcdefghij|AKIAIOSFODNN7EXAMPLE|eyJzdWIi/);
  });
  it('leaves ordinary text alone', () => {
    expect(redactString('The skies over Oslo are clear; ask Basil.')).toBe(
      'The skies over Oslo are clear; ask Basil.',
    );
  });
});

describe('redactValue', () => {
  it('redacts by key and by value, deeply, without touching the input', () => {
    const input = {
      city: 'Oslo',
      auth: { password: 'x', nested: ['Bearer 0123456789abc'] },
      headers: { Authorization: 'Basic Zm9vOmJhcg==' },
    };
    const copy = structuredClone(input);
    expect(redactValue(input)).toEqual({
      city: 'Oslo',
      auth: { password: REDACTED, nested: [REDACTED] },
      headers: { Authorization: REDACTED },
    });
    expect(input).toEqual(copy);
  });
  it('passes every primitive through the user hook with its key', () => {
    const seen: string[] = [];
    const out = redactValue({ email: 'a@b.c', list: [1, 2] }, (key, value) => {
      seen.push(key);
      return key === 'email' ? '<email>' : value;
    });
    expect(out).toEqual({ email: '<email>', list: [1, 2] });
    expect(seen.sort()).toEqual(['email', 'list', 'list']);
  });
});
