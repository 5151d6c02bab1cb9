'use strict';

// The leaderboard of a program's period (a dry run: nothing is decided): the top 20, the ten
// around the signed-in agent, the awards as the standings stand. ?program=ID&period=LABEL.
const { el, number, t } = Plaudit;
const params = new URLSearchParams(location.search);
let me = '';
let groups = new Set();

function standingsTable(standings, caption) {
  const group = document.getElementById('group').value;
  const rows = standings.filter((s) => !group || s.peer_group === group);
  const body = el('tbody', {});
  for (const s of rows) {
    const mine = me && s.agent_id === me;
    body.append(el('tr', mine ? { 'aria-current': 'true', class: 'mine', 'data-agent': s.agent_id }
                              : { 'data-agent': s.agent_id },
        el('td', { class: 'num', 'data-field': 'rank', 'data-value': String(s.rank) },
           s.rank ? number(s.rank) : '–'),
        el('th', { scope: 'row' }, s.display_name || (s.agent_id ? t('board.anonymous') : s.team)),
        el('td', { class: 'wide' }, s.peer_group),
        el('td', { class: 'num', 'data-field': 'score', 'data-value': String(s.score) },
           s.eligible ? number(s.score, 3) : t('me.not_eligible'))));
  }
  return el('table', {}, el('caption', { class: 'muted' }, caption),
      el('thead', {}, el('tr', {},
          el('th', { scope: 'col', class: 'num' }, t('me.rank')),
          el('th', { scope: 'col' }, t('board.name')),
          el('th', { scope: 'col', class: 'wide' }, t('me.peer_group')),
          el('th', { scope: 'col', class: 'num' }, t('me.score')))), body);
}

async function show() {
  const status = document.getElementById('status');
  const program = document.getElementById('program').value;
  const period = document.getElementById('period').value.trim() || 'current';
  if (!program) return;
  history.replaceState(null, '', `?program=${encodeURIComponent(program)}&period=${encodeURIComponent(period)}`);
  try {
    const request = { program_id: program, period, dry_run: true };
    const top = await Plaudit.call('AwardService', 'EvaluateAwards', { ...request, page_size: 20 });
    for (const s of top.standings) groups.add(s.peer_group);
    const select = document.getElementById('group');
    for (const g of groups) {
      if (![...select.options].some((o) => o.value === g)) select.append(el('option', { value: g }, g));
    }
    document.getElementById('top').replaceChildren(
        standingsTable(top.standings, t('board.of', top.period, number(top.total_standings))));
    const aroundSection = document.getElementById('around-section');
    if (me) {
      const around = await Plaudit.call('AwardService', 'EvaluateAwards',
                                        { ...request, around_agent_id: me, page_size: 11 });
      document.getElementById('around').replaceChildren(standingsTable(around.standings, top.period));
      aroundSection.hidden = false;
    } else {
      aroundSection.hidden = true;
    }
    document.getElementById('awards').replaceChildren(top.awards.length
        ? el('ul', {}, ...top.awards.map((a) => el('li', {},
              `${a.rank}. ${a.team || top.standings.find((s) => s.agent_id === a.agent_id)?.display_name || t('board.anonymous')}` +
              (a.tier ? ` (${a.tier})` : ''))))
        : el('p', {}, t('board.no_awards')));
    status.textContent = '';
  } catch (error) {
    status.textContent = error.message;
  }
}

async function start() {
  try {
    const identity = await Plaudit.call('AccessService', 'WhoAmI', {});
    me = identity.agent_id;
    const listed = await Plaudit.call('ProgramService', 'ListPrograms', {});
    const select = document.getElementById('program');
    for (const p of listed.programs.filter((p) => !p.disabled)) {
      select.append(el('option', { value: p.id }, p.name || p.id));
    }
    if (params.get('program')) select.value = params.get('program');
    if (params.get('period')) document.getElementById('period').value = params.get('period');
  } catch (error) {
    document.getElementById('status').textContent = t('signin.failed', error.message);
    return;
  }
  document.getElementById('choose').addEventListener('submit', (event) => {
    event.preventDefault();
    show();
  });
  document.getElementById('group').addEventListener('change', show);
  await show();
}

Plaudit.ready.then(Plaudit.requireSignIn).then(start);
