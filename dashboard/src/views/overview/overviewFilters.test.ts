import { describe, expect, it } from 'vitest';
import {
  filterOptions,
  overviewQueryParams,
  readOverviewFilters,
  withOverviewFilter,
} from './overviewFilters.js';

describe('overview filters', () => {
  it('reads the URL and turns it into API parameters', () => {
    const f = readOverviewFilters(new URLSearchParams('server=weather&tool=get_weather&compare=previous'));
    expect(f).toEqual({ service: '', server: 'weather', tool: 'get_weather', compare: true, source: 'auto' });
    expect(overviewQueryParams(f)).toEqual({ server: 'weather', tool: 'get_weather', compare: 'previous' });
    expect(overviewQueryParams(readOverviewFilters(new URLSearchParams('compare=yes')))).toEqual({});
  });

  it('passes a forced source on, and lets the collector decide otherwise', () => {
    expect(overviewQueryParams(readOverviewFilters(new URLSearchParams('source=spans')))).toEqual({
      source: 'spans',
    });
    expect(readOverviewFilters(new URLSearchParams('source=metrics')).source).toBe('metrics');
    expect(readOverviewFilters(new URLSearchParams('source=auto')).source).toBe('auto');
    expect(readOverviewFilters(new URLSearchParams('source=logs')).source).toBe('auto');
    expect(overviewQueryParams(readOverviewFilters(new URLSearchParams('source=auto')))).toEqual({});
  });

  it('drops the tool when another server is chosen', () => {
    const next = withOverviewFilter(new URLSearchParams('server=a&tool=x&range=6h'), 'server', 'b');
    expect(next.toString()).toBe('server=b&range=6h');
    expect(withOverviewFilter(next, 'server', '').toString()).toBe('range=6h');
  });

  it('offers the servers, and the tools of the chosen server', () => {
    const rows = [
      { server: 'weather', tool: 'get_weather' },
      { server: 'weather', tool: 'get_forecast' },
      { server: 'mail', tool: 'send' },
      { server: 'mail', tool: '' },
    ];
    expect(filterOptions(rows, { server: '', tool: '' })).toEqual({
      servers: ['mail', 'weather'],
      tools: ['get_forecast', 'get_weather', 'send'],
    });
    expect(filterOptions(rows, { server: 'weather', tool: '' }).tools).toEqual([
      'get_forecast',
      'get_weather',
    ]);
    expect(filterOptions(rows, { server: 'gone', tool: 'old' })).toMatchObject({
      servers: ['gone', 'mail', 'weather'],
      tools: ['old'],
    });
  });
});
