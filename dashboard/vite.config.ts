import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The collector serves the built app and the API on one origin; in development the Vite server forwards
// the API and OTLP paths to a collector running on its default port, so relative URLs work in both.
const collector = 'http://127.0.0.1:4318';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
  server: {
    proxy: {
      '/api': collector,
      '/v1': collector,
    },
  },
});
