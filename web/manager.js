'use strict';

// A manager's queue: the awards within their teams that wait for an approval, to approve or
// reject with a reason (an award above the program's threshold needs two approvers; the count
// shows how far it is), the awards held for review with the hold's reason, and the budgets of
// the periods concerned.
const { el, number } = Plaudit;

function awardRow(award, actions) {
  const who = award.agent_id || award.team;
  const approvals = award.approvals_needed > 0
      ? `${award.approvals.length} of ${award.approvals.length + award.approvals_needed}` : '–';
  return el('tr', { 'data-award': award.id },
      el('th', { scope: 'row' }, who),
      el('td', {}, award.program_id), el('td', {}, award.period),
      el('td', { class: 'num' }, award.rank),
      el('td', { class: 'num wide' }, number(award.value, 2)),
      el('td', { class: 'wide' }, approvals),
      el('td', {}, award.state_reason),
      el('td', {}, actions));
}

function table(awards, withActions) {
  const head = el('tr', {}, ...['Agent or team', 'Program', 'Period', 'Rank', 'Value', 'Approvals',
                                'Why', withActions ? 'Decision' : 'State']
      .map((h, i) => el('th', { scope: 'col', class: i === 3 ? 'num' : (i === 4 || i === 5 ? 'num wide' : '') }, h)));
  const body = el('tbody', {});
  for (const award of awards) {
    body.append(awardRow(award, withActions ? decisionForm(award) : award.state.toLowerCase()));
  }
  return el('table', {}, el('thead', {}, head), body);
}

function decisionForm(award) {
  const reasonId = 'reason-' + award.id;
  const reason = el('input', { id: reasonId, name: 'reason', size: '18' });
  const approve = el('button', { type: 'button', 'data-action': 'approve' }, 'Approve');
  const reject = el('button', { type: 'button', 'data-action': 'reject' }, 'Reject');
  const form = el('div', { class: 'decision' },
      el('label', { for: reasonId, class: 'muted' }, 'Reason'), reason, ' ', approve, ' ', reject);
  const act = async (method) => {
    const result = document.getElementById('result');
    if (method === 'RejectAward' && !reason.value.trim()) {
      result.textContent = 'A rejection needs a reason.';
      reason.focus();
      return;
    }
    try {
      const updated = await Plaudit.call('AwardService', method,
                                         { award_id: award.id, reason: reason.value.trim() });
      await load();
      result.textContent = `${award.id}: ${updated.state.toLowerCase()}` +
          (updated.approvals_needed > 0 ? `, ${updated.approvals_needed} more approval(s) needed` : '');
    } catch (error) {
      result.textContent = `${award.id}: ${error.message}`;
    }
  };
  approve.addEventListener('click', () => act('ApproveAward'));
  reject.addEventListener('click', () => act('RejectAward'));
  return form;
}

async function load() {
  const who = document.getElementById('who');
  const queue = document.getElementById('queue');
  const held = document.getElementById('held');
  const budgets = document.getElementById('budgets');
  try {
    const identity = await Plaudit.call('AccessService', 'WhoAmI', {});
    who.textContent = `Signed in as ${identity.subject} (${identity.roles.join(', ') || 'no role'})` +
        (identity.teams.length ? `, teams ${identity.teams.join(', ')}` : '');
    const listed = await Plaudit.call('AwardService', 'ListAwards', { page_size: 1000 });
    const waiting = listed.awards.filter((a) => a.state === 'PROPOSED');
    const holds = listed.awards.filter((a) => a.state === 'HELD');
    queue.replaceChildren(waiting.length ? table(waiting, true) : el('p', {}, 'Nothing waits for you.'));
    held.replaceChildren(holds.length ? table(holds, true) : el('p', {}, 'No award is held.'));
    // Only programs that set a budget have one to show (asking the others would be refused).
    const programs = await Plaudit.call('ProgramService', 'ListPrograms', {});
    const budgeted = new Set(programs.programs.filter((p) => /^budget:/m.test(p.yaml)).map((p) => p.id));
    const periods = new Map();
    for (const a of [...waiting, ...holds]) {
      if (budgeted.has(a.program_id)) periods.set(a.program_id + '|' + a.period, a);
    }
    const gauges = [];
    for (const a of periods.values()) {
      {
        const b = await Plaudit.call('AwardService', 'GetBudget', { program_id: a.program_id, period: a.period });
        const used = b.reserved + b.settled;
        gauges.push(el('div', { class: 'card' },
            el('p', {}, `${a.program_id} ${a.period}: ${number(used, 2)} of ${number(b.amount, 2)} ${b.currency || b.unit} used`),
            el('meter', { min: '0', max: String(b.amount || 1), value: String(used),
                          'aria-label': `${a.program_id} ${a.period} budget used` })));
      }
    }
    budgets.replaceChildren(...(gauges.length ? gauges : [el('p', {}, 'No budget concerns these awards.')]));
  } catch (error) {
    Plaudit.showError(queue, error);
  }
}

Plaudit.ready.then(Plaudit.requireSignIn).then(load);
