import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by the gateway under /admin on the same origin as the API, so the app only ever calls relative /api paths.
export default defineConfig({
  base: '/admin/',
  plugins: [react()],
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: { '/api': { target: 'http://127.0.0.1:3000', changeOrigin: false } },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
});
