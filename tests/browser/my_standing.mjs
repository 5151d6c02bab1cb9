// An agent signs in to the pages in headless Chromium and sees their standing; the figures on the
// page must equal `plaudit awards explain` for them. Every page visited must log no console error,
// break no Content-Security-Policy, and pass axe-core's WCAG 2.1 A and AA rules with no serious or
// critical violation. Screenshots go to the artifacts folder.
//
// node my_standing.mjs BASE_URL TOKEN PROGRAM EXPLAIN_JSON ARTIFACTS_DIR
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const [base, token, program, explainFile, artifacts] = process.argv.slice(2);
if (!artifacts) {
  console.error('usage: node my_standing.mjs BASE_URL TOKEN PROGRAM EXPLAIN_JSON ARTIFACTS_DIR');
  process.exit(2);
}
const expected = JSON.parse(readFileSync(explainFile, 'utf8'));
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
mkdirSync(artifacts, { recursive: true });

const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage'],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));

  // axe-core is evaluated through DevTools, which the pages' policy does not govern.
  async function audit(name) {
    await page.evaluate(axeSource);
    const result = await page.evaluate(() => axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    }));
    for (const v of result.violations) {
      if (v.impact === 'serious' || v.impact === 'critical') {
        failures.push(`${name}: axe ${v.impact}: ${v.id}: ${v.help} (${v.nodes.length} element(s))`);
      }
    }
    await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
  }

  await page.goto(base + '/', { waitUntil: 'networkidle0' });
  await page.type('#token', token);
  await page.click('button[type=submit]');
  await page.waitForFunction(() => document.getElementById('who').textContent.startsWith('Signed in as'),
                             { timeout: 10000 });
  await audit('sign-in');

  await page.goto(base + '/me.html', { waitUntil: 'networkidle0' });
  const card = `[data-program="${program}"]`;
  await page.waitForSelector(`${card} [data-field="score"]`, { timeout: 10000 });
  const shown = await page.evaluate((card) => {
    const value = (selector) => {
      const node = document.querySelector(selector);
      return node ? Number(node.dataset.value) : undefined;
    };
    const metrics = {};
    for (const row of document.querySelectorAll(`${card} tr[data-metric]`)) {
      metrics[row.dataset.metric] = {
        value: Number(row.querySelector('[data-field="value"]').dataset.value),
        contribution: Number(row.querySelector('[data-field="contribution"]').dataset.value),
      };
    }
    return { rank: value(`${card} [data-field="rank"]`), score: value(`${card} [data-field="score"]`),
             metrics };
  }, card);
  check(shown.rank === expected.rank, `rank: page ${shown.rank}, plaudit awards explain ${expected.rank}`);
  check(shown.score === expected.score, `score: page ${shown.score}, plaudit awards explain ${expected.score}`);
  check(expected.metrics.length > 0, 'plaudit awards explain lists no metric');
  for (const m of expected.metrics) {
    const on = shown.metrics[m.metric];
    check(on !== undefined, `metric ${m.metric}: not on the page`);
    if (on === undefined) continue;
    check(on.value === m.value, `${m.metric} value: page ${on.value}, plaudit awards explain ${m.value}`);
    check(on.contribution === m.contribution,
          `${m.metric} contribution: page ${on.contribution}, plaudit awards explain ${m.contribution}`);
  }
  await audit('my-standing');
  await page.setViewport({ width: 375, height: 812, isMobile: true });
  await page.screenshot({ path: path.join(artifacts, 'my-standing-phone.png'), fullPage: true });
  failures.push(...problems);
} catch (error) {
  failures.push(error.message);
} finally {
  await browser.close();
}
if (failures.length) {
  for (const f of failures) console.error('FAIL: ' + f);
  process.exit(1);
}
console.log('my standing: the page agrees with plaudit awards explain; no console error; axe clean');
