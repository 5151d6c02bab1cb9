// The wall's announcement: with the wall open on PROGRAM, DECIDE_COMMAND decides a period whose
// awards go ahead; within 15 seconds the wall shows the announcement screen naming WINNER, and
// never OPTED_OUT (a winner who opted out of public praise). No console error; axe-core clean;
// a screenshot of the announcement.
//
// node announce.mjs BASE_URL TOKEN PROGRAM WINNER OPTED_OUT DECIDE_COMMAND ARTIFACTS_DIR
import { execFileSync } from 'node:child_process';
import { Session, openWall, shownOnWall } from './browser.mjs';

const [base, token, program, winner, optedOut, decideCommand, artifacts] = process.argv.slice(2);
if (!artifacts) {
  console.error('usage: node announce.mjs BASE_URL TOKEN PROGRAM WINNER OPTED_OUT DECIDE_COMMAND ARTIFACTS_DIR');
  process.exit(2);
}
const session = new Session(artifacts);
const check = session.check.bind(session);

await session.run(async (page) => {
  await openWall(page, base, token, program);
  // The wall has looked once (and learnt there was no winner yet) before the decision.
  await page.waitForFunction(() => document.getElementById('status').textContent.length > 0,
                             { timeout: 10000 });
  check(await page.$eval('#announcement', (n) => n.hidden), 'an announcement before any decision');
  execFileSync('bash', ['-c', decideCommand], { stdio: 'inherit' });
  try {
    await page.waitForSelector('#announcement:not([hidden])', { timeout: 15000 });
  } catch {
    const wall = await page.evaluate(async (program) => JSON.stringify(await Plaudit.call(
        'AwardService', 'GetWall', { program_id: program, period: 'current', top: 10 })), program);
    await session.screenshot('wall-announcement-failed');
    throw new Error(`no announcement within 15 s; the wall's data: ${wall}`);
  }
  const names = await page.$$eval('#announcement-names li', (items) => items.map((n) => n.textContent));
  check(names.includes(winner), `the announcement names ${JSON.stringify(names)}, not ${winner}`);
  await session.audit('wall-announcement', { fullPage: false });
  const shown = await shownOnWall(page);
  check(!shown.includes(optedOut), `the wall showed ${optedOut}, who opted out of public praise`);
}, `wall: the new winners were announced; the opted-out winner never shown; no console error; axe clean`);
