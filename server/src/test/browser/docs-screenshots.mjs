// Retakes the screenshots in docs/console/ from a running console (the demo with Fashion-MNIST
// installed, after some traffic): node docs-screenshots.mjs CONSOLE_URL OUT_DIR
import { chromium } from 'playwright-core';
import path from 'node:path';

const [base, outDir] = process.argv.slice(2);
const shots = [
  ['models.png', '/', 720],
  ['version-vae.png', '/models/fashion-vae/versions/1#pictures', 1040],
  ['version-curves.png', '/models/fashion-conv-ae/versions/1#curves', 400],
  ['version-dae.png', '/models/fashion-dae/versions/1#pictures', 1040],
  ['rollouts.png', '/rollouts', 1000],
  ['serving.png', '/serving', 620],
];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
for (const [file, url, height] of shots) {
  await page.goto(new URL(url, base).href, { waitUntil: 'load' });
  // A version's pictures start below its details: the shot starts at its 'What it does' heading
  // (or, for its curves, at 'Training curves').
  const heading = url.endsWith('#pictures') ? 'What it does' : url.endsWith('#curves') ? 'Training curves' : null;
  // boundingBox is relative to the viewport, which an anchor (#curves) scrolls.
  const scrolled = await page.evaluate(() => window.scrollY);
  const top = heading
    ? Math.max(0, (await page.locator('h2', { hasText: heading }).boundingBox()).y + scrolled - 12) : 0;
  await page.screenshot({ path: path.join(outDir, file), fullPage: true, clip: { x: 0, y: top, width: 1280, height } });
  console.log('wrote ' + path.join(outDir, file));
}
await browser.close();
