// What every page shares: calling the JSON API with the signed-in caller's credentials, and
// small helpers to build the page. Plain browser JavaScript, no framework, nothing fetched from
// elsewhere.
'use strict';

const Plaudit = (() => {
  const TOKEN = 'plaudit.token';
  const ACTOR = 'plaudit.actor';
  const LANGUAGE = 'plaudit.lang';
  const LANGUAGES = ['en', 'ms', 'pt', 'sv', 'fa'];
  const RIGHT_TO_LEFT = new Set(['fa']);
  let messages = {};

  // The page's language: ?lang=xx (remembered in this browser), else the one remembered, else
  // the signed-in agent's locale (their `locale` column), else the first of the browser's
  // languages that the pages come in, else English.
  function supported(tag) {
    const base = (tag || '').toLowerCase().split('-')[0];
    return LANGUAGES.includes(base) ? base : null;
  }

  async function agentLocale() {
    try {
      if (!(await signedIn())) return null;
      const who = await identity();
      if (!who.agent_id) return null;
      const agent = await call('AgentService', 'GetAgent', { id: who.agent_id });
      return supported(agent.locale);
    } catch (error) {
      return null;
    }
  }

  async function chooseLanguage() {
    const asked = supported(new URLSearchParams(location.search).get('lang'));
    if (asked) localStorage.setItem(LANGUAGE, asked);
    const chosen = asked || supported(localStorage.getItem(LANGUAGE));
    if (chosen) return chosen;
    const own = await agentLocale();
    if (own) return own;
    for (const tag of navigator.languages || []) {
      if (supported(tag)) return supported(tag);
    }
    return 'en';
  }

  async function catalogue(language) {
    const response = await fetch('/i18n/' + language + '.json');
    if (!response.ok) throw new Error(response.statusText);
    return response.json();
  }

  // The message KEY of the page's language with {0}, {1}... replaced by ARGS (English when the
  // language lacks it; the key itself when English does too).
  function t(key, ...args) {
    const text = messages[key] || key;
    return text.replace(/\{(\d)\}/g, (_, i) => (args[i] === undefined ? '' : String(args[i])));
  }

  // Resolves once the page speaks its language: elements with data-i18n="KEY" get their text,
  // <html> its lang and dir (right to left for Persian).
  let language = 'en';
  const ready = (async () => {
    language = await chooseLanguage();
    try {
      messages = await catalogue('en');
      if (language !== 'en') messages = { ...messages, ...(await catalogue(language)) };
    } catch (error) {
      // The pages still work, in their English text.
    }
    document.documentElement.lang = language;
    document.documentElement.dir = RIGHT_TO_LEFT.has(language) ? 'rtl' : 'ltr';
    for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
    return language;
  })();

  // The browser's session with plauditd, when signing in through the organisation's issuer is on:
  // {sign_in, signed_in, subject, csrf_token}. Read once per page.
  let sessionPromise = null;
  function session() {
    if (!sessionPromise) {
      sessionPromise = fetch('/auth/session', { credentials: 'same-origin' })
        .then((response) => (response.ok ? response.json() : { sign_in: false, signed_in: false }))
        .catch(() => ({ sign_in: false, signed_in: false }));
    }
    return sessionPromise;
  }

  // Where signing in through the issuer starts, coming back to RETURN_TO (this page by default).
  function signInUrl(returnTo) {
    return '/auth/sign-in?return=' +
        encodeURIComponent(returnTo || location.pathname + location.search);
  }

  // A refusal from the API as an Error: in English, plauditd's own message; in another language,
  // what the status code means in it, with plauditd's message (English) after it. code and
  // detail keep the status code and plauditd's message.
  function refusal(code, detail) {
    const headline = messages['error.' + code];
    const error = new Error(language === 'en' || !headline ? detail : t('error.with_detail', headline, detail));
    error.code = code;
    error.detail = detail;
    return error;
  }

  // Calls SERVICE/METHOD ("AwardService", "ExplainAward") with BODY; resolves to the response,
  // rejects with an Error whose message is the server's. A browser signed in through the issuer
  // sends its session cookie and the session's CSRF token; when the session has ended, the page
  // goes to sign in again and comes back.
  async function call(service, method, body) {
    const headers = { 'Content-Type': 'application/json' };
    const token = sessionStorage.getItem(TOKEN);
    const actor = sessionStorage.getItem(ACTOR);
    if (token) headers['Authorization'] = 'Bearer ' + token;
    if (actor) headers['X-Plaudit-Actor'] = actor;
    const current = token ? null : await session();
    if (current && current.signed_in) headers['X-CSRF-Token'] = current.csrf_token;
    const response = await fetch('/api/v1/plaudit.v1.' + service + '/' + method, {
      method: 'POST', headers, body: JSON.stringify(body || {}), credentials: 'same-origin',
    });
    const json = await response.json();
    if (response.status === 401 && current && current.sign_in) {
      location.assign(signInUrl());
    }
    if (!response.ok) {
      const detail = json.error ? json.error.message : response.statusText;
      const code = json.error ? json.error.code : String(response.status);
      throw refusal(code, detail);
    }
    return json;
  }

  // Who is signed in (WhoAmI), asked once per page: the language choice and the page share it.
  let identityPromise = null;
  function identity() {
    if (!identityPromise) {
      identityPromise = call('AccessService', 'WhoAmI', {});
      identityPromise.catch(() => { identityPromise = null; });
    }
    return identityPromise;
  }

  // A plugin query's answer (columns and rows of cells) as one object per row, keyed by column.
  function rows(answer) {
    return answer.rows.map((row) => Object.fromEntries(answer.columns.map((c, i) => [c, row.cells[i]])));
  }

  // Whether this tab holds credentials: a token, a development-mode name, or a session.
  async function signedIn() {
    if (sessionStorage.getItem(TOKEN) || sessionStorage.getItem(ACTOR)) return true;
    return (await session()).signed_in;
  }

  // Resolves once the tab can call the API; when signing in through the issuer is on and the tab
  // holds no credentials, goes to sign in first (coming back here) and never resolves.
  async function requireSignIn() {
    if (await signedIn()) return;
    if ((await session()).sign_in) {
      location.assign(signInUrl());
      await new Promise(() => {});
    }
  }

  // Ends the session (and forgets a token), then goes to the first page.
  async function signOut() {
    sessionStorage.removeItem(TOKEN);
    sessionStorage.removeItem(ACTOR);
    const current = await session();
    if (current.signed_in) {
      await fetch('/auth/sign-out', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': current.csrf_token },
      });
    }
    location.assign('/');
  }

  function signIn(token, actor) {
    identityPromise = null;
    if (token) sessionStorage.setItem(TOKEN, token); else sessionStorage.removeItem(TOKEN);
    if (actor) sessionStorage.setItem(ACTOR, actor); else sessionStorage.removeItem(ACTOR);
  }

  // An element: el('td', {class: 'num'}, '3'). Text is always set as text, never as HTML.
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function number(value, digits) {
    if (value === null || value === undefined || Number.isNaN(Number(value))) return '–';
    return Number(value).toLocaleString(document.documentElement.lang || undefined, {
      maximumFractionDigits: digits === undefined ? 2 : digits,
    });
  }

  // Sentences plauditd wrote (its Phrase messages, from core/awards/phrases.h) in the page's
  // language: each from its template, "say.<key>" in the catalogue, with numbers in the
  // language's digits; a hold's conditions after it. A sentence no template wrote, or one the
  // catalogue lacks, stays in its English.
  function say(phrases) {
    return (phrases || []).map((phrase) => {
      const key = 'say.' + phrase.key;
      if (!phrase.key || !messages[key]) return phrase.text;
      const args = (phrase.args || []).map((arg) => (/^-?\d+(\.\d+)?$/.test(arg)
          ? number(Number(arg), (arg.split('.')[1] || '').length) : arg));
      const parts = phrase.parts && phrase.parts.length ? ': ' + say(phrase.parts) : '';
      return t(key, ...args) + parts;
    }).join('; ');
  }

  // An award's or a reward's state ("HELD"), in the page's language.
  const awardState = (state) => t('award_state.' + state);
  const rewardState = (state) => t('reward_state.' + state);

  function showError(container, error) {
    container.replaceChildren(el('p', { class: 'error', role: 'alert' }, error.message));
  }

  return {
    call, identity, rows, session, signIn, signInUrl, signOut, signedIn, requireSignIn, el, number,
    say, awardState, rewardState, showError, t, ready,
  };
})();
