'use strict';

// The wall display: a kiosk opens /wall.html#token=KIOSK_TOKEN (the token is kept in the tab
// and taken off the address) with optional ?programs=a,b (default: every enabled program),
// top=10, rotate=20 (seconds per program) and refresh=3 (seconds between updates). New winners
// of a program are announced full-screen for 15 seconds.
const params = new URLSearchParams(location.search);
const leaders = Number(params.get('top')) || 10;
const rotateSeconds = Number(params.get('rotate')) || 20;
const refreshSeconds = Number(params.get('refresh')) || 3;
const announced = new Map();
let programs = [];
let current = 0;
let shownSince = Date.now();

if (location.hash.startsWith('#token=')) {
  Plaudit.signIn(decodeURIComponent(location.hash.slice('#token='.length)), '');
  history.replaceState(null, '', location.pathname + location.search);
}

function render(wall) {
  const { el, number } = Plaudit;
  document.getElementById('program').textContent = wall.program_name || wall.program_id;
  document.getElementById('period').textContent = wall.period;
  const list = document.getElementById('entries');
  list.replaceChildren(...wall.entries.map((e) => el('li', { class: e.winning ? 'winning' : '' },
      el('span', { class: 'rank' }, e.rank),
      el('span', {}, el('span', { class: 'name' }, e.name),
         e.team && e.team !== e.name ? el('span', { class: 'team' }, e.team) : null),
      el('span', { class: 'score' }, number(e.score, 3)))));
  if (!wall.entries.length) list.append(el('li', {}, Plaudit.t('wall.none')));
}

function announce(wall) {
  const key = wall.winners_period + '|' + wall.winners.map((w) => w.name).join('|');
  const seen = announced.get(wall.program_id);
  announced.set(wall.program_id, key);
  // The first look only learns what is already known; a change is news.
  if (seen === undefined || seen === key || !wall.winners.length) return;
  const box = document.getElementById('announcement');
  document.getElementById('announcement-period').textContent =
      (wall.program_name || wall.program_id) + ' · ' + wall.winners_period;
  document.getElementById('announcement-names').replaceChildren(
      ...wall.winners.map((w) => Plaudit.el('li', {}, w.name)));
  box.hidden = false;
  setTimeout(() => { box.hidden = true; }, 15000);
}

async function tick() {
  const status = document.getElementById('status');
  try {
    if (!programs.length) {
      const requested = (params.get('programs') || '').split(',').filter(Boolean);
      if (requested.length) {
        programs = requested;
      } else {
        const listed = await Plaudit.call('ProgramService', 'ListPrograms', {});
        programs = listed.programs.filter((p) => !p.disabled).map((p) => p.id);
      }
      if (!programs.length) throw new Error('no program to show');
    }
    if (programs.length > 1 && Date.now() - shownSince >= rotateSeconds * 1000) {
      current = (current + 1) % programs.length;
      shownSince = Date.now();
    }
    const wall = await Plaudit.call('AwardService', 'GetWall',
                                    { program_id: programs[current], period: 'current', top: leaders });
    render(wall);
    announce(wall);
    status.textContent = Plaudit.t('wall.updated', new Date().toLocaleTimeString(document.documentElement.lang));
  } catch (error) {
    status.textContent = Plaudit.t('wall.not_updated', error.message);
  }
  setTimeout(tick, refreshSeconds * 1000);
}

Plaudit.ready.then(tick);
