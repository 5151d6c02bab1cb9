// What the browser tests share: Debian's Chromium started headless over the DevTools protocol,
// a page whose console errors, uncaught errors and failed requests count as failures, and the
// accessibility audit (axe-core, WCAG 2.1 A and AA; serious and critical violations fail) with a
// screenshot of what was audited.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export class Session {
  constructor(artifacts) {
    this.artifacts = artifacts;
    this.failures = [];
    mkdirSync(artifacts, { recursive: true });
  }

  check(ok, what) {
    if (!ok) this.failures.push(what);
  }

  async start() {
    this.browser = await puppeteer.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage'],
    });
    this.page = await this.browser.newPage();
    await this.page.setViewport({ width: 1280, height: 900 });
    this.page.on('console', (m) => {
      if (m.type() !== 'error') return;
      if (this.refusalsExpected && /status of 4\d\d/.test(m.text())) return;
      this.failures.push(`console: ${m.text()}`);
    });
    this.page.on('pageerror', (e) => this.failures.push(`page error: ${e.message}`));
    this.page.on('requestfailed', (r) => this.failures.push(`request failed: ${r.url()}`));
    return this.page;
  }

  // Runs FN while refusals by the API (HTTP 4xx) are what the test asks for: the browser logs
  // each as a console error, which then does not count. Waits a moment for the log to arrive.
  async expectingRefusals(fn) {
    this.refusalsExpected = true;
    try {
      return await fn();
    } finally {
      await new Promise((resolve) => setTimeout(resolve, 300));
      this.refusalsExpected = false;
    }
  }

  // axe-core is evaluated through DevTools, which the pages' own policy does not govern.
  async audit(name, screenshotOptions = { fullPage: true }) {
    await this.page.evaluate(axeSource);
    const result = await this.page.evaluate(() => axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    }));
    for (const v of result.violations) {
      if (v.impact === 'serious' || v.impact === 'critical') {
        this.failures.push(`${name}: axe ${v.impact}: ${v.id}: ${v.help} (${v.nodes.length} element(s))`);
      }
    }
    await this.screenshot(name, screenshotOptions);
  }

  async screenshot(name, options = { fullPage: true }) {
    await this.page.screenshot({ path: path.join(this.artifacts, `${name}.png`), ...options });
  }

  // Runs `steps`, closes the browser, prints the failures; exits 1 when there are any.
  async run(steps, passed) {
    try {
      await this.start();
      await steps(this.page);
    } catch (error) {
      this.failures.push(error.message);
    } finally {
      if (this.browser) await this.browser.close();
    }
    if (this.failures.length) {
      for (const f of this.failures) console.error('FAIL: ' + f);
      process.exit(1);
    }
    console.log(passed);
  }
}

// Signs in through the sign-in page's token form (folded away when the issuer's sign-in is on).
export async function signIn(page, base, token) {
  await page.goto(base + '/', { waitUntil: 'networkidle0' });
  await page.$eval('#signin-token', (details) => { details.open = true; });
  await page.type('#token', token);
  await page.click('button[type=submit]');
  await page.waitForFunction(
      () => document.getElementById('who').textContent.startsWith('Signed in as'), { timeout: 10000 });
}

// Signs in through the organisation's issuer, as a person would: from the first page's button
// (which comes back to /me.html), or by opening RETURN_TO unsigned, which sends the browser to
// sign in first; then the issuer's form (the dev issuer's: subject and roles), and back to
// RETURN_TO. Returns the session cookie as the browser holds it.
export async function signInThroughIssuer(page, base, subject, roles, returnTo = '/me.html') {
  if (returnTo === '/me.html') {
    await page.goto(base + '/', { waitUntil: 'networkidle0' });
    await page.waitForSelector('#signin-issuer:not([hidden])', { timeout: 10000 });
    await Promise.all([page.waitForNavigation(), page.click('#signin-issuer')]);
  } else {
    await page.goto(base + returnTo);
  }
  await page.waitForSelector('#sub', { timeout: 10000 });
  await page.type('#sub', subject);
  await page.$eval('#roles', (input) => { input.value = ''; });
  await page.type('#roles', roles);
  await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle0' }), page.click('#sign-in')]);
  const landed = new URL(page.url());
  if (landed.origin !== new URL(base).origin || landed.pathname !== returnTo) {
    throw new Error(`after signing in the browser is at ${page.url()}, expected ${base}${returnTo}`);
  }
  const cookies = await page.cookies();
  return cookies.find((c) => c.name === 'plaudit-session' || c.name === '__Host-plaudit-session');
}

// Opens the wall display on PROGRAM, full HD, refreshing every second, signed in by its address
// with a display TOKEN, and keeps everything it ever shows for shownOnWall().
export async function openWall(page, base, token, program) {
  await page.setViewport({ width: 1920, height: 1080 });
  await page.evaluateOnNewDocument(() => {
    window.__shown = [];
    new MutationObserver(() => window.__shown.push(document.body ? document.body.innerText : ''))
        .observe(document, { subtree: true, childList: true, characterData: true });
  });
  await page.goto(`${base}/wall.html?programs=${program}&refresh=1#token=${encodeURIComponent(token)}`,
                  { waitUntil: 'networkidle0' });
}

// Every text the wall showed since openWall(), and what it shows now.
export function shownOnWall(page) {
  return page.evaluate(() => window.__shown.join('\n') + '\n' + document.body.innerText);
}
