// An agent signs in through the issuer on the praise page, sends praise to a colleague, and sees
// the month's allowance go down by one and the praise in their feed. No console error; axe-core
// clean.
//
// node praise.mjs BASE_URL AGENT_ID COLLEAGUE_ID MESSAGE ARTIFACTS_DIR
import { Session, signInThroughIssuer } from './browser.mjs';

const [base, agentId, colleague, message, artifacts] = process.argv.slice(2);
if (!artifacts) {
  console.error('usage: node praise.mjs BASE_URL AGENT_ID COLLEAGUE_ID MESSAGE ARTIFACTS_DIR');
  process.exit(2);
}
const session = new Session(artifacts);
const check = session.check.bind(session);

await session.run(async (page) => {
  await signInThroughIssuer(page, base, agentId, 'agent', '/praise.html');
  await page.waitForSelector('#allowance[data-value]', { timeout: 10000 });
  const left = () => page.$eval('#allowance', (n) => Number(n.dataset.value));
  const before = await left();
  check(before > 0, `allowance left before sending: ${before}`);
  await session.audit('praise');
  await page.type('#to', colleague);
  await page.type('#message', message);
  await page.type('#value', 'teamwork');
  await page.click('#send button[type=submit]');
  await page.waitForFunction((text) => document.getElementById('feed').textContent.includes(text),
                             { timeout: 10000 }, message);
  await page.waitForFunction((n) => Number(document.getElementById('allowance').dataset.value) === n,
                             { timeout: 10000 }, before - 1);
  const result = await page.$eval('#result', (n) => n.textContent);
  check(result.includes(colleague), `after sending: "${result}"`);
  await session.screenshot('praise-sent');
}, 'praise: sent from the page, the allowance went down by one, the feed shows it; no console error; axe clean');
