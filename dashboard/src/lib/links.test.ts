import { describe, expect, it } from 'vitest';
import { errorsHref, toolHref, traceHref, tracesHref } from './links.js';

describe('links', () => {
  const current = new URLSearchParams('range=6h&refresh=10s&status=error');

  it('carries the time range, not the other state of the page', () => {
    expect(tracesHref({ server: 'weather', tool: 'get forecast', method: '' }, current)).toBe(
      '/traces?range=6h&server=weather&tool=get+forecast',
    );
    expect(errorsHref({}, new URLSearchParams())).toBe('/errors');
  });

  it('encodes path segments and stands in for an empty server name', () => {
    expect(toolHref('a/b', 'x y', current)).toBe('/tools/a%2Fb/x%20y?range=6h');
    expect(toolHref('', 'x', new URLSearchParams())).toBe('/tools/-/x');
    expect(traceHref('abc', 'def')).toBe('/traces/abc?span=def');
  });
});
