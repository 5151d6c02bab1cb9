// The wall display in headless Chromium with a display token: it shows the program's leaders;
// after IMPORT_COMMAND imports events that put NEW_LEADER first, the wall shows NEW_LEADER first
// within 15 seconds, and OPTED_OUT (an agent who opted out of public praise) never appears in
// anything it showed. No console error; axe-core finds no serious violation; a screenshot.
//
// node wall.mjs BASE_URL TOKEN PROGRAM NEW_LEADER OPTED_OUT IMPORT_COMMAND ARTIFACTS_DIR
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const [base, token, program, newLeader, optedOut, importCommand, artifacts] = process.argv.slice(2);
if (!artifacts) {
  console.error('usage: node wall.mjs BASE_URL TOKEN PROGRAM NEW_LEADER OPTED_OUT IMPORT_COMMAND ARTIFACTS_DIR');
  process.exit(2);
}
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
mkdirSync(artifacts, { recursive: true });
const failures = [];

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage'],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1920, height: 1080 });
  page.on('console', (m) => { if (m.type() === 'error') failures.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));
  // Everything the wall ever shows, kept as it appears.
  await page.evaluateOnNewDocument(() => {
    window.__shown = [];
    new MutationObserver(() => window.__shown.push(document.body ? document.body.innerText : ''))
        .observe(document, { subtree: true, childList: true, characterData: true });
  });
  await page.goto(`${base}/wall.html?programs=${program}&refresh=1#token=${encodeURIComponent(token)}`,
                  { waitUntil: 'networkidle0' });
  check(!page.url().includes('token'), 'the token stays in the address bar');
  try {
    await page.waitForSelector('#entries li .name', { timeout: 10000 });
  } catch {
    const status = await page.$eval('#status', (n) => n.textContent);
    await page.screenshot({ path: path.join(artifacts, 'wall-failed.png') });
    throw new Error(`the wall shows no standings (its status: "${status}")`);
  }
  // The leader is rank 1 (an opted-out agent in the lead is left off, so the first shown may not be).
  const leads = (name) => {
    const first = document.querySelector('#entries li');
    return Boolean(first) && first.querySelector('.rank').textContent === '1' &&
        first.querySelector('.name').textContent === name;
  };
  check(!(await page.evaluate(leads, newLeader)), `${newLeader} already leads before the import`);

  execFileSync('bash', ['-c', importCommand], { stdio: 'inherit' });
  const started = Date.now();
  try {
    await page.waitForFunction(leads, { timeout: 15000, polling: 200 }, newLeader);
    console.log(`wall: ${newLeader} leads ${((Date.now() - started) / 1000).toFixed(1)} s after the import`);
  } catch {
    failures.push(`the wall does not show ${newLeader} first 15 s after the import`);
  }
  const shown = await page.evaluate(() => window.__shown.join('\n') + '\n' + document.body.innerText);
  check(!shown.includes(optedOut), `the wall showed ${optedOut}, who opted out of public praise`);
  check(!shown.includes('@'), 'the wall showed an email address');

  await page.evaluate(axeSource);
  const result = await page.evaluate(() => axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  for (const v of result.violations) {
    if (v.impact === 'serious' || v.impact === 'critical') {
      failures.push(`wall: axe ${v.impact}: ${v.id}: ${v.help} (${v.nodes.length} element(s))`);
    }
  }
  await page.screenshot({ path: path.join(artifacts, 'wall.png') });
} catch (error) {
  failures.push(error.message);
} finally {
  await browser.close();
}

function check(ok, what) { if (!ok) failures.push(what); }

if (failures.length) {
  for (const f of failures) console.error('FAIL: ' + f);
  process.exit(1);
}
console.log('wall: new leader shown, opted-out agent never shown; no console error; axe clean');
