// The wall display in headless Chromium with a display token: it shows the program's leaders;
// after IMPORT_COMMAND imports events that put NEW_LEADER first, the wall shows NEW_LEADER first
// within 15 seconds, and OPTED_OUT (an agent who opted out of public praise) never appears in
// anything it showed. No console error; axe-core finds no serious violation; a screenshot.
//
// node wall.mjs BASE_URL TOKEN PROGRAM NEW_LEADER OPTED_OUT IMPORT_COMMAND ARTIFACTS_DIR
import { execFileSync } from 'node:child_process';
import { Session, openWall, shownOnWall } from './browser.mjs';

const [base, token, program, newLeader, optedOut, importCommand, artifacts] = process.argv.slice(2);
if (!artifacts) {
  console.error('usage: node wall.mjs BASE_URL TOKEN PROGRAM NEW_LEADER OPTED_OUT IMPORT_COMMAND ARTIFACTS_DIR');
  process.exit(2);
}
const session = new Session(artifacts);
const check = session.check.bind(session);

await session.run(async (page) => {
  await openWall(page, base, token, program);
  check(!page.url().includes('token'), 'the token stays in the address bar');
  try {
    await page.waitForSelector('#entries li .name', { timeout: 10000 });
  } catch {
    const status = await page.$eval('#status', (n) => n.textContent);
    await session.screenshot('wall-failed');
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
    session.failures.push(`the wall does not show ${newLeader} first 15 s after the import`);
  }
  const shown = await shownOnWall(page);
  check(!shown.includes(optedOut), `the wall showed ${optedOut}, who opted out of public praise`);
  check(!shown.includes('@'), 'the wall showed an email address');

  await session.audit('wall', {});
}, 'wall: new leader shown, opted-out agent never shown; no console error; axe clean');
