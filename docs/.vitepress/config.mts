import { defineConfig } from 'vitepress';
import apiSidebar from '../api/typedoc-sidebar.json' with { type: 'json' };

export default defineConfig({
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
          { text: 'Command line', link: '/guide/cli' },
          { text: 'Architecture', link: '/architecture' },
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
