import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vitepress';
import apiSidebar from '../api/typedoc-sidebar.json' with { type: 'json' };

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The package pages include each package's README (and the cli and lab guides their app's), whose
 * relative asset paths (`bench/x.svg`) are relative to the package: resolve them there.
 */
function packageReadmeAssets(): Plugin {
  return {
    name: 'polymodal-package-readme-assets',
    resolveId(source, importer) {
      const page = importer?.match(/docs\/(packages|guide)\/([a-z]+)\.md$/);
      if (!page || source.startsWith('/') || /^[a-z]+:/.test(source)) return null;
      // docs/packages/<p>.md includes packages/<p>/README.md; docs/guide/<app>.md an app's README.
      const home =
        page[1] === 'packages'
          ? join(root, 'packages', page[2] as string)
          : join(root, 'apps', page[2] as string);
      const file = join(home, source.replace(/^\.\//, ''));
      return existsSync(file) ? file : null;
    },
  };
}

export default defineConfig({
  vite: { plugins: [packageReadmeAssets()] },
  markdown: {
    config(md) {
      // The READMEs link to the repository README's install section; on the site it is in the guide.
      md.core.ruler.push('polymodal-readme-links', (state) => {
        for (const block of state.tokens)
          for (const token of block.children ?? [])
            if (
              token.type === 'link_open' &&
              /^(\.\.\/)+README\.md#using-a-package$/.test(token.attrGet('href') ?? '')
            )
              token.attrSet('href', '/guide/getting-started#using-a-package');
      });
    },
  },
  title: 'polymodal',
  description: 'Multimodal scientific machine learning on TensorFlow.js',
  themeConfig: {
    search: { provider: 'local' },
    nav: [
      { text: 'Guide', link: '/guide/getting-started' },
      { text: 'Packages', link: '/packages/tensor' },
      { text: 'API', link: '/api/' },
    ],
    sidebar: [
      {
        text: 'Guide',
        items: [
          { text: 'Getting started', link: '/guide/getting-started' },
          { text: 'Concepts', link: '/guide/concepts' },
          { text: 'Command line', link: '/guide/cli' },
          { text: 'Web lab', link: '/guide/lab' },
          { text: 'Reproduction results', link: '/guide/results' },
          { text: 'GPUs', link: '/guide/gpu' },
          { text: 'Architecture', link: '/architecture' },
          { text: 'Contributing', link: '/guide/contributing' },
        ],
      },
      {
        text: 'Packages',
        items: [
          { text: '@polymodal/tensor', link: '/packages/tensor' },
          { text: '@polymodal/distributions', link: '/packages/distributions' },
          { text: '@polymodal/metrics', link: '/packages/metrics' },
          { text: '@polymodal/nn', link: '/packages/nn' },
          { text: '@polymodal/datasets', link: '/packages/datasets' },
          { text: '@polymodal/mdn', link: '/packages/mdn' },
          { text: '@polymodal/flow', link: '/packages/flow' },
          { text: '@polymodal/samplers', link: '/packages/samplers' },
          { text: '@polymodal/active', link: '/packages/active' },
        ],
      },
      { text: 'API reference', items: apiSidebar },
    ],
  },
});
