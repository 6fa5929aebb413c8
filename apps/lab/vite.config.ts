import { defineConfig } from 'vite';

// Cross-origin isolation, so that SharedArrayBuffer exists and polymodal's WebAssembly kernels
// can train ensembles on two threads inside the training worker.
const headers = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // Workspace packages resolve to their TypeScript sources: the lab always runs what is checked in.
  resolve: { conditions: ['@polymodal/source'] },
  worker: { format: 'es' },
  server: { headers },
  preview: { headers },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
