// Vite builds civgraph's two pages into web/dist, which build.rs embeds in
// the binary. Everything the pages need (scripts, styles, fonts, Monaco's
// web workers) lands in dist/assets/ with a content hash in its name, so
// civgraph serves it with a long cache lifetime; nothing loads from the
// internet.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig } from 'vite';

const root = import.meta.dirname;

/**
 * Writes a brotli (.br) and a gzip (.gz) copy beside every asset worth
 * compressing, so that civgraph sends the big bundles (Monaco, GraphiQL,
 * cytoscape) compressed without compressing them on every request.
 */
function precompress() {
  let outDir;
  return {
    name: 'civgraph-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const assets = join(outDir, 'assets');
      for (const name of readdirSync(assets)) {
        if (!/\.(js|css|svg|ttf|json)$/.test(name)) continue;
        const data = readFileSync(join(assets, name));
        if (data.length < 1024) continue;
        const br = brotliCompressSync(data, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: 9,
            [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
          },
        });
        writeFileSync(join(assets, `${name}.br`), br);
        writeFileSync(join(assets, `${name}.gz`), gzipSync(data, { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  // Absolute asset URLs: the explorer is served at /explore/<id> too.
  base: '/',
  publicDir: 'public',
  plugins: [precompress()],
  oxc: {
    jsx: { runtime: 'automatic' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // Monaco and GraphiQL are large; the IDE loads once and is then cached.
    chunkSizeWarningLimit: 6000,
    // Keep fonts and small files as files: nothing becomes a data: URL
    // that a strict Content-Security-Policy would refuse.
    assetsInlineLimit: 0,
    sourcemap: false,
    rolldownOptions: {
      input: {
        ide: resolve(root, 'index.html'),
        explore: resolve(root, 'explore.html'),
      },
      onLog(level, log, handler) {
        // React libraries mark modules "use client"; meaningless here.
        if (log.code === 'MODULE_LEVEL_DIRECTIVE') return;
        handler(level, log);
      },
    },
  },
  worker: {
    // Monaco's editor, JSON and GraphQL workers, as separate same-origin
    // files under /assets/ (see src/ide/workers.js).
    format: 'es',
  },
});
