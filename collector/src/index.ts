export { startCollector, createApp, type Collector, type CollectorOptions } from './app.js';
export { configFromEnv, CONFIG_ENV_VARS, type CollectorConfig } from './config.js';
export type * from './api/types.js';
export type * from './alerts/types.js';
