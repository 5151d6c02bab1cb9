'use strict';

// One program's standing for the signed-in agent, from ExplainAward: rank and score in the peer
// group, each metric's part in the score and what would change the outcome, gates, the cut-off.
function standingCard(program, x) {
  const { el, number, say, t } = Plaudit;
  const card = el('section', { class: 'card', 'aria-label': program.name || program.id,
                               'data-program': program.id });
  card.append(el('h2', {}, program.name || program.id, ' ',
                 el('span', { class: 'muted' }, x.period)));
  const outcome = x.won ? el('p', { class: 'won' }, t('me.winning') + (x.tier ? ': ' + x.tier : ''))
                        : el('p', {}, x.eligible ? t('me.not_winning') : t('me.not_eligible'));
  card.append(outcome);
  const facts = el('dl', {});
  // Each figure carries its exact value beside the rounded text, for tools that read the page.
  const fact = (term, value, field, exact) => facts.append(
      el('dt', {}, term),
      el('dd', field ? { 'data-field': field, 'data-value': String(exact) } : {}, value));
  fact(t('me.peer_group'), x.peer_group || '–');
  fact(t('me.rank'), x.rank ? t('me.rank_of', number(x.rank), number(x.competitors)) : '–', 'rank', x.rank);
  fact(t('me.score'), number(x.score, 3), 'score', x.score);
  if (x.cutoff !== undefined) {
    fact(t('me.cutoff'), number(x.cutoff, 3) + ' (' + say(x.cutoff_basis_phrases) + ')', 'cutoff', x.cutoff);
  }
  if (x.target_progress !== undefined) fact(t('me.target'), number(x.target_progress * 100, 0) + ' %');
  if (x.streak) fact(t('me.streak'), number(x.streak));
  card.append(facts);
  if (x.metrics.length) {
    const table = el('table', {});
    table.append(el('caption', { class: 'muted' }, t('me.how')));
    table.append(el('thead', {}, el('tr', {},
        el('th', { scope: 'col' }, t('me.metric')), el('th', { scope: 'col', class: 'num' }, t('me.value')),
        el('th', { scope: 'col', class: 'num wide' }, t('me.samples')),
        el('th', { scope: 'col', class: 'num wide' }, t('me.normalised')),
        el('th', { scope: 'col', class: 'num wide' }, t('me.weight')),
        el('th', { scope: 'col', class: 'num' }, t('me.contribution')),
        el('th', { scope: 'col' }, t('me.what_if')))));
    const body = el('tbody', {});
    for (const m of x.metrics) {
      const whatIf = m.what_if && m.what_if.possible
          ? t('me.reach', number(m.what_if.target, 2)) : (m.what_if ? say(m.what_if.reason_phrases) : '');
      body.append(el('tr', { 'data-metric': m.metric },
          el('th', { scope: 'row' }, m.metric),
          el('td', { class: 'num', 'data-field': 'value', 'data-value': String(m.value) },
             number(m.value, 2)),
          el('td', { class: 'num wide' }, number(m.samples) + (Number(m.min_samples) ? ' / ' + number(m.min_samples) : '')),
          el('td', { class: 'num wide' }, number(m.normalized, 3)),
          el('td', { class: 'num wide' }, number(m.weight, 2)),
          el('td', { class: 'num', 'data-field': 'contribution', 'data-value': String(m.contribution) },
             number(m.contribution, 3)),
          el('td', {}, whatIf)));
    }
    table.append(body);
    card.append(table);
  }
  const sentences = (phrases) => phrases.map((phrase) => say([phrase]));
  const notes = [...sentences(x.reason_phrases), ...sentences(x.fix_phrases),
                 ...sentences(x.hold_phrases),
                 ...x.gates.filter((g) => !g.passed).map((g) => t('me.gate_failed', g.label))];
  if (notes.length) card.append(el('ul', {}, ...notes.map((n) => el('li', {}, n))));
  return card;
}

// One reward and its state; a delivered gift card's code is shown on request (each reading is
// written to the audit trail, and only the recipient may read it).
function rewardItem(f) {
  const { el, t } = Plaudit;
  const item = el('div', { 'data-fulfilment': f.id, 'data-state': f.state },
                  `${f.type}: ${Plaudit.rewardState(f.state)}`);
  if (f.type === 'gift_card' && f.state === 'FULFILLED') {
    const button = el('button', { type: 'button', 'data-action': 'reveal' }, t('me.reveal'));
    const shown = el('span', { 'data-field': 'code', 'aria-live': 'polite' });
    button.addEventListener('click', async () => {
      try {
        const answer = await Plaudit.call('PluginService', 'QueryPlugin',
            { plugin: 'gift_card', method: 'code', args: { idempotency_key: f.idempotency_key } });
        const column = answer.columns.indexOf('code');
        shown.textContent = column >= 0 && answer.rows.length ? answer.rows[0].cells[column] : answer.text;
        button.remove();
      } catch (error) {
        shown.textContent = error.message;
      }
    });
    item.append(' ', button, ' ', shown);
  }
  if (f.type === 'certificate' && f.state === 'FULFILLED') item.append(' ', certificateLinks(f));
  return item;
}

// A delivered certificate: a button that downloads its PDF, and the link that verifies its
// credential (the issuer's verification URL when one is configured, else this site's page).
function certificateLinks(f) {
  const { el, t } = Plaudit;
  const args = { idempotency_key: f.idempotency_key };
  const links = el('span', { class: 'certificate' });
  const download = el('button', { type: 'button', 'data-action': 'download' }, t('me.download'));
  download.addEventListener('click', async () => {
    try {
      const [row] = await queryRows('certificate', 'pdf', args);
      const bytes = Uint8Array.from(atob(row.pdf_base64), (c) => c.charCodeAt(0));
      const save = el('a', { href: URL.createObjectURL(new Blob([bytes], { type: 'application/pdf' })),
                             download: row.file });
      document.body.append(save);
      save.click();
      save.remove();
    } catch (error) {
      links.append(' ', error.message);
    }
  });
  links.append(download);
  queryRows('certificate', 'credential', args)
      .then(([row]) => {
        if (!row) return;
        const href = row.verification_url ||
            '/verify.html#credential=' + encodeURIComponent(row.credential);
        links.append(' ', el('a', { href, 'data-field': 'verify' }, t('me.verify')));
      })
      .catch((error) => links.append(' ', error.message));
  return links;
}

// A plugin query's answer as objects keyed by column.
async function queryRows(plugin, method, args) {
  return Plaudit.rows(await Plaudit.call('PluginService', 'QueryPlugin', { plugin, method, args }));
}

// The leave credited by leave_credit rewards, and the parking spots booked by parking rewards:
// asked only of the plugins that delivered one of the agent's rewards (`delivered`, their types).
async function loadRewardsAtHand(agentId, delivered) {
  const { el, t } = Plaudit;
  const leave = delivered.has('leave_credit') ? await queryRows('leave_credit', 'balances', { agent: agentId }) : [];
  if (leave.length) {
    const row = leave[0];
    const text = t('me.leave_hours', row.hours_available) +
        (row.next_expiry ? ', ' + t('me.leave_expiry', row.next_expiry) : '');
    const shown = document.getElementById('leave');
    shown.textContent = text;
    shown.dataset.value = row.hours_available;
    document.getElementById('leave-section').hidden = false;
  }
  // The calendar lists every spot; the agent's own bookings name them (the server leaves out
  // other agents' bookings).
  const spots = delivered.has('parking') ? await queryRows('parking', 'calendar', {}) : [];
  const mine = spots.filter((row) => row.agent === agentId || (row.agent || '').endsWith('(' + agentId + ')'));
  if (mine.length) {
    document.getElementById('parking').replaceChildren(...mine.map((row) =>
        el('li', { 'data-spot': row.spot }, t('me.parking_row', row.spot, row.from, row.to))));
    document.getElementById('parking-section').hidden = false;
  }
}

async function load() {
  const who = document.getElementById('who');
  const programs = document.getElementById('programs');
  const awards = document.getElementById('awards');
  let identity;
  try {
    identity = await Plaudit.identity();
  } catch (error) {
    who.textContent = Plaudit.t('signin.failed', error.message);
    return;
  }
  if (!identity.agent_id) {
    who.textContent = Plaudit.t('me.not_agent', identity.subject);
    return;
  }
  who.textContent = Plaudit.t('me.agent', identity.agent_id);
  try {
    const listed = await Plaudit.call('ProgramService', 'ListPrograms', {});
    for (const program of listed.programs.filter((p) => !p.disabled)) {
      try {
        const x = await Plaudit.call('AwardService', 'ExplainAward',
                                     { program_id: program.id, period: 'current', agent_id: identity.agent_id });
        programs.append(standingCard(program, x));
      } catch (error) {
        // A program the agent does not take part in is not theirs to see.
        if (error.code !== 'PERMISSION_DENIED' && error.code !== 'NOT_FOUND') throw error;
      }
    }
    if (!programs.children.length) programs.append(Plaudit.el('p', {}, Plaudit.t('me.no_program')));
  } catch (error) {
    Plaudit.showError(programs, error);
  }
  const delivered = new Set();
  try {
    const listed = await Plaudit.call('AwardService', 'ListAwards', {});
    if (!listed.awards.length) {
      awards.append(Plaudit.el('p', {}, Plaudit.t('me.no_awards')));
    } else {
      const { el } = Plaudit;
      const table = el('table', {}, el('thead', {}, el('tr', {},
          el('th', { scope: 'col' }, Plaudit.t('me.program')), el('th', { scope: 'col' }, Plaudit.t('me.period')),
          el('th', { scope: 'col', class: 'num' }, Plaudit.t('me.rank')), el('th', { scope: 'col' }, Plaudit.t('me.state')),
          el('th', { scope: 'col' }, Plaudit.t('me.rewards')))));
      const body = el('tbody', {});
      for (const a of listed.awards) {
        const rewards = el('td', {});
        const fulfilments = await Plaudit.call('FulfilmentService', 'ListFulfilments', { award_id: a.id });
        for (const f of fulfilments.fulfilments) {
          rewards.append(rewardItem(f));
          if (f.state === 'FULFILLED') delivered.add(f.type);
        }
        body.append(el('tr', { 'data-award': a.id }, el('td', {}, a.program_id), el('td', {}, a.period),
                       el('td', { class: 'num' }, a.rank), el('td', { 'data-state': a.state }, Plaudit.awardState(a.state)), rewards));
      }
      table.append(body);
      awards.append(table);
    }
  } catch (error) {
    Plaudit.showError(awards, error);
  }
  try {
    await loadRewardsAtHand(identity.agent_id, delivered);
  } catch (error) {
    Plaudit.showError(document.getElementById('leave'), error);
    document.getElementById('leave-section').hidden = false;
  }
}

Plaudit.ready.then(Plaudit.requireSignIn).then(load);
