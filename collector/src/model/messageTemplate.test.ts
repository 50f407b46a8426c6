import { describe, expect, it } from 'vitest';
import { MAX_TEMPLATE_LENGTH, messageTemplate } from './messageTemplate.js';

describe('messageTemplate', () => {
  it.each([
    ['card declined for cus_444: amount over limit', 'card declined for cus_{id}: amount over limit'],
    ['card declined for cus_912: amount over limit', 'card declined for cus_{id}: amount over limit'],
    ['order 12345 not found', 'order {n} not found'],
    ['retry after 2.5 seconds', 'retry after {n} seconds'],
    ['user 3f2b1c9e-8a7d-4e6f-9b0a-1c2d3e4f5a6b has no access', 'user {uuid} has no access'],
    ['mail to jane.doe@example.com bounced', 'mail to {email} bounced'],
    [
      'GET https://api.example.com/v1/orders/98231/items?token=abc&page=2 failed',
      'GET https://api.example.com/v1/orders/{id}/items?token={value}&page={value} failed',
    ],
    ['fetch https://user:pw@host.example/a failed', 'fetch https://host.example/a failed'],
    ['commit 9fceb02d0ae598e95dc970b74767f19372d61af8 missing', 'commit {hex} missing'],
    ['pointer 0x7ffee4b2a8c0 freed', 'pointer {hex} freed'],
    ['connect ECONNREFUSED 10.0.3.7:5432', 'connect ECONNREFUSED {ip}'],
    ['expired at 2026-11-30T23:59:01.123Z', 'expired at {time}'],
    ['request req-8f3a9c timed out', 'request req-{id} timed out'],
    // Codes name the failure mode: they stay.
    ['MCP error -32602: Input validation error', 'MCP error -32602: Input validation error'],
    ['weather backend unavailable (HTTP 503)', 'weather backend unavailable (HTTP 503)'],
    ['upstream status 429', 'upstream status 429'],
    ['GET /v1/alerts → 503', 'GET /v1/alerts → 503'],
    // Words with digits that are not ids stay.
    ['utf-8 decoding failed in v2', 'utf-8 decoding failed in v2'],
    ['', ''],
  ])('%j → %j', (message, template) => {
    expect(messageTemplate(message)).toBe(template);
  });

  it('truncates long messages', () => {
    const t = messageTemplate('x'.repeat(1000));
    expect(t).toHaveLength(MAX_TEMPLATE_LENGTH + 1);
    expect(t.endsWith('…')).toBe(true);
  });
});
