import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// `npm run dev` proxies the API (REST and WebSockets) to a running `streamspace serve`;
// STREAMSPACE_API overrides the default http://127.0.0.1:8080.
const api = process.env.STREAMSPACE_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/',
  plugins: [react()],
  // noVNC uses top-level await (WebCodecs probe), which needs ES2022 output.
  build: { target: 'es2022', chunkSizeWarningLimit: 700 },
  optimizeDeps: { esbuildOptions: { target: 'es2022' } },
  server: {
    proxy: {
      '/api': { target: api, ws: true, changeOrigin: false },
      '/health': api,
      '/version': api,
    },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});
