import { describe, expect, it } from 'vitest';
import { scanHtml } from './html.js';

describe('scanHtml', () => {
  it('extracts visible text without head, style, script and comments, decoding entities', () => {
    const scan = scanHtml('<html><head><title>T</title><style>p{}</style></head><body><!-- c --><script>x()</script><p>Fish &amp; chips&nbsp;&#8364;5</p></body></html>');
    expect(scan.text).toBe('Fish & chips €5');
  });

  it('lists anchors with their text and images with their source', () => {
    const scan = scanHtml(`<a href="https://a.example/x?y=1&amp;z=2"><b>Read</b> more</a><a name=top>no href</a><img src='https://cdn.example/i.png' alt="">`);
    expect(scan.anchors).toEqual([{ href: 'https://a.example/x?y=1&z=2', text: 'Read more' }]);
    expect(scan.images).toEqual(['https://cdn.example/i.png']);
  });

  it('counts text in elements styled invisible, including nested same-name elements once', () => {
    const hidden = 'word '.repeat(40).trim();
    const scan = scanHtml(`<div style="display: none">${hidden}<div>inner</div></div><p>shown</p><span style="font-size:0px">zero</span><span style="color:#fff;background-color:#fff">same</span>`);
    expect(scan.hiddenChars).toBe(hidden.length + ' inner'.length + 'zero'.length + 'same'.length);
    expect(scanHtml('<p style="color:#333;font-size:14px">visible</p>').hiddenChars).toBe(0);
  });

  it('stays linear on hostile markup (unclosed anchors, comments, tags)', () => {
    // Each of these took seconds with lazy `<a …>[\s\S]*?</a>`-style patterns.
    const hostile = ['<a href="x">'.repeat(40_000), '<!--'.repeat(40_000), '<'.repeat(200_000), '<div style="'.repeat(40_000), '<head>'.repeat(40_000)];
    const started = performance.now();
    for (const html of hostile) scanHtml(html);
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(scanHtml('<a href="https://a.example">one<a href="https://b.example">two</a>').anchors).toEqual([
      { href: 'https://a.example', text: 'one' },
      { href: 'https://b.example', text: 'two' },
    ]);
    expect(scanHtml('<!-- unclosed <p>still visible</p>').text).toBe('<!-- unclosed still visible');
  });
});
