'use strict';

// A manager's queue: the awards within their teams that wait for an approval, to approve or
// reject with a reason (an award above the program's threshold needs two approvers; the count
// shows how far it is), the awards held for review with the hold's reason, and the budgets of
// the periods concerned.
const { el, number, t } = Plaudit;

function awardRow(award, actions) {
  const who = award.agent_id || award.team;
  const approvals = award.approvals_needed > 0
      ? t('manager.approvals_of', award.approvals.length, award.approvals.length + award.approvals_needed)
      : '–';
  return el('tr', { 'data-award': award.id },
      el('th', { scope: 'row' }, who),
      el('td', {}, award.program_id), el('td', {}, award.period),
      el('td', { class: 'num' }, award.rank),
      el('td', { class: 'num wide' }, number(award.value, 2)),
      el('td', { class: 'wide' }, approvals),
      el('td', {}, Plaudit.say(award.state_reason_phrases)),
      el('td', {}, actions));
}

function table(awards, withActions) {
  const head = el('tr', {}, ...['manager.col_who', 'manager.col_program', 'manager.col_period',
                                'manager.col_rank', 'manager.col_value', 'manager.col_approvals',
                                'manager.col_why', withActions ? 'manager.col_decision' : 'manager.col_state']
      .map((h, i) => el('th', { scope: 'col', class: i === 3 ? 'num' : (i === 4 || i === 5 ? 'num wide' : '') }, t(h))));
  const body = el('tbody', {});
  for (const award of awards) {
    body.append(awardRow(award, withActions ? decisionForm(award) : Plaudit.awardState(award.state)));
  }
  return el('table', {}, el('thead', {}, head), body);
}

function decisionForm(award) {
  const reasonId = 'reason-' + award.id;
  const reason = el('input', { id: reasonId, name: 'reason', size: '18' });
  const approve = el('button', { type: 'button', 'data-action': 'approve' }, t('manager.approve'));
  const reject = el('button', { type: 'button', 'data-action': 'reject' }, t('manager.reject'));
  const form = el('div', { class: 'decision' },
      el('label', { for: reasonId, class: 'muted' }, t('manager.reason')), reason, ' ', approve, ' ', reject);
  const act = async (method) => {
    const result = document.getElementById('result');
    if (method === 'RejectAward' && !reason.value.trim()) {
      result.textContent = t('manager.reason_needed');
      reason.focus();
      return;
    }
    try {
      const updated = await Plaudit.call('AwardService', method,
                                         { award_id: award.id, reason: reason.value.trim() });
      await load();
      result.textContent = `${award.id}: ${Plaudit.awardState(updated.state)}` +
          (updated.approvals_needed > 0 ? ', ' + t('manager.more_approvals', updated.approvals_needed) : '');
    } catch (error) {
      result.textContent = `${award.id}: ${error.message}`;
    }
  };
  approve.addEventListener('click', () => act('ApproveAward'));
  reject.addEventListener('click', () => act('RejectAward'));
  return form;
}

// The manual rewards' tasks that the signed-in role may complete (the manual plugin's), each
// with a note field and a Done button.
async function loadTasks() {
  const tasks = document.getElementById('tasks');
  let answer;
  try {
    answer = await Plaudit.call('PluginService', 'QueryPlugin',
                                { plugin: 'manual', method: 'tasks', args: { status: 'open' } });
  } catch (error) {
    // Without the manual plugin there are no tasks.
    tasks.replaceChildren(el('p', {}, error.code === 'NOT_FOUND' ? t('manager.no_tasks') : error.message));
    return;
  }
  const column = (name) => answer.columns.indexOf(name);
  const cell = (row, name) => (column(name) >= 0 ? row.cells[column(name)] : '');
  if (!answer.rows.length) {
    tasks.replaceChildren(el('p', {}, t('manager.no_tasks')));
    return;
  }
  const body = el('tbody', {});
  for (const row of answer.rows) {
    const key = cell(row, 'key');
    const noteId = 'note-' + key;
    const note = el('input', { id: noteId, name: 'note', size: '16' });
    const done = el('button', { type: 'button', 'data-action': 'complete' }, t('manager.task_done'));
    done.addEventListener('click', async () => {
      const result = document.getElementById('task-result');
      try {
        const args = { idempotency_key: key };
        if (note.value.trim()) args.note = note.value.trim();
        await Plaudit.call('PluginService', 'QueryPlugin', { plugin: 'manual', method: 'complete', args });
        result.textContent = t('manager.task_completed', cell(row, 'item'));
        await loadTasks();
      } catch (error) {
        result.textContent = error.message;
      }
    });
    body.append(el('tr', { 'data-task': key },
        el('th', { scope: 'row' }, cell(row, 'item')), el('td', {}, cell(row, 'recipient')),
        el('td', {}, cell(row, 'award')), el('td', {}, cell(row, 'due')),
        el('td', {}, cell(row, 'status')),
        el('td', {}, el('label', { for: noteId, class: 'muted' }, t('manager.task_note')), ' ', note, ' ', done)));
  }
  const head = el('tr', {}, ...['manager.task_item', 'manager.task_for', 'manager.col_program',
                                'manager.task_due', 'manager.task_status', 'manager.col_decision']
      .map((h) => el('th', { scope: 'col' }, t(h))));
  tasks.replaceChildren(el('table', {}, el('thead', {}, head), body));
}

// The latest praise between agents (a manager sees everyone's).
async function loadPraise() {
  const feed = document.getElementById('praise');
  try {
    const listed = await Plaudit.call('PraiseService', 'ListPraise', { page_size: 20 });
    feed.replaceChildren(listed.praise.length ? praiseList(listed.praise) : el('p', {}, t('praise.none')));
  } catch (error) {
    Plaudit.showError(feed, error);
  }
}

async function load() {
  const who = document.getElementById('who');
  const queue = document.getElementById('queue');
  const held = document.getElementById('held');
  const budgets = document.getElementById('budgets');
  try {
    const identity = await Plaudit.identity();
    who.textContent = t('manager.signed_in', identity.subject, identity.roles.join(', ') || '–') +
        (identity.teams.length ? ', ' + t('manager.teams', identity.teams.join(', ')) : '');
    const listed = await Plaudit.call('AwardService', 'ListAwards', { page_size: 1000 });
    const waiting = listed.awards.filter((a) => a.state === 'PROPOSED');
    const holds = listed.awards.filter((a) => a.state === 'HELD');
    queue.replaceChildren(waiting.length ? table(waiting, true) : el('p', {}, t('manager.nothing_waits')));
    held.replaceChildren(holds.length ? table(holds, true) : el('p', {}, t('manager.none_held')));
    // Only programs that set a budget have one to show (asking the others would be refused).
    const programs = await Plaudit.call('ProgramService', 'ListPrograms', {});
    const budgeted = new Set(programs.programs.filter((p) => /^budget:/m.test(p.yaml)).map((p) => p.id));
    const periods = new Map();
    for (const a of [...waiting, ...holds]) {
      if (budgeted.has(a.program_id)) periods.set(a.program_id + '|' + a.period, a);
    }
    const gauges = [];
    for (const a of periods.values()) {
      const b = await Plaudit.call('AwardService', 'GetBudget', { program_id: a.program_id, period: a.period });
      const used = b.reserved + b.settled;
      gauges.push(el('div', { class: 'card' },
          el('p', {}, t('manager.budget_used', a.program_id, a.period, number(used, 2),
                        number(b.amount, 2), b.currency || b.unit)),
          el('meter', { min: '0', max: String(b.amount || 1), value: String(used),
                        'aria-label': t('manager.budget_label', a.program_id, a.period) })));
    }
    budgets.replaceChildren(...(gauges.length ? gauges : [el('p', {}, t('manager.no_budget'))]));
  } catch (error) {
    Plaudit.showError(queue, error);
  }
  await loadTasks();
  await loadPraise();
}

Plaudit.ready.then(Plaudit.requireSignIn).then(load);
