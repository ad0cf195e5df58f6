/*
 * exam-engine candidate terminal. Protocol: docs/protocol.md. Plain JS, no build step.
 *
 * The server owns the clock and the answers; this page renders, queues and resends.
 * Never logs the key or the package; never uses innerHTML for item text.
 *
 * Automation hooks (stable; tests rely on them):
 *   body[data-screen]                 boot | login | waiting | exam | result | blocked
 *   Login     #login, #login-form, #login-number, #login-pin, #login-session-pin,
 *             #login-submit, #login-error[data-code] (hidden when no error)
 *   Waiting   #waiting[data-phase=connecting|waiting|loading][data-package=pending|ready]
 *   Exam      #exam[data-status=waiting|active|paused|finished][data-h=<current handle>]
 *             #exam-title, #section-name, #item-of, #candidate-number
 *             #part-indicator[data-index=<state.group.index, 0-based>][data-count][data-code]
 *                   (text "Bagian n dari N"; hidden unless the exam has more than one timed part)
 *             #timer[data-remaining-ms][data-warning=true|false]  (text mm:ss or h:mm:ss)
 *             #stem (text), #stem-image (img, hidden when none)
 *             #options .option[data-index][data-letter][aria-pressed][data-selected=true|false]
 *             #answer-status[data-answered][data-marked]
 *             #btn-prev, #btn-next, #btn-mark[aria-pressed], #btn-clear, #btn-finish
 *             #grid .cell[data-h][data-state=answered|unanswered|marked][data-answered=true|false]
 *                   [data-current=true|false][aria-label]  (marked = ragu-ragu, answered or not)
 *                   [data-locked=true|false][data-part=open|closed|future][aria-disabled]
 *                   (locked = outside the open timed part: closed = finished, future = not open yet)
 *             #grid .grid-section[data-section][data-part] .grid-section-status (text cue)
 *             #count-answered, #count-unanswered, #count-marked  (of the open part)
 *             #legend li[data-state=closed|future] (hidden when 0), #count-closed, #count-future
 *             #paused-banner, #timeup-banner, #finishing-banner (hidden unless relevant)
 *   Kraepelin #kraepelin[data-section][data-column=<0-based>][data-columns] (shown instead of #item,
 *             #nav-panel and #exam-controls while a Kraepelin column is open), #kraepelin-title,
 *             #kraepelin-sheet li.kp-digit[data-row] (the column's digits, top to bottom) and
 *             li > button.kp-cell[data-h][data-row][data-written=<digit or "">][data-current]
 *             between them. Keys 0-9 write the current cell and move down; up/down arrows
 *             move; Backspace erases. The column changes only when the server opens the next.
 *   Finish    #finish-modal[data-scope=exam|part] (hidden unless open), #finish-title,
 *             #finish-unanswered[data-count], #finish-marked[data-count], #finish-warning,
 *             #confirm-finish, #cancel-finish  (scope part: finishing opens the next part)
 *   Result    #result[data-passed=true|false|""][data-reason], #result-title, #result-reason,
 *             #result-scores (hidden when result is null), #result-sections tr[data-code]
 *             [data-passed=true|false|""], #result-total[data-total], #result-overall[data-passed],
 *             #result-reasons li, #btn-logout; a section apart from the total (in_total false) is
 *             followed by tr.result-detail[data-detail-of=<code>] li[data-metric] (Kraepelin: its metrics) or
 *             li[data-trait] (Likert: raw, T-score, stanine), and adds nothing to #result-total-max
 *   Blocked   #blocked[data-code=moved|terminal_conflict] (full-screen, role=alertdialog),
 *             #blocked-text, #blocked-login  (the attempt moved to another workstation)
 *   Always    #connection[data-state=online|offline][data-pending=<outbox size>],
 *             #notice[data-code] (role=alert), #text-smaller, #text-larger,
 *             #contrast-toggle[aria-pressed], #lang-switch, html[data-text-size][class~=high-contrast]
 *
 * Focus:   while the exam screen is shown, window blur / visibilitychange hidden / fullscreen
 *          exit emit `focus` {kind: blur|hidden|fullscreen_exit} (a proctor flag; not queued).
 *
 * Storage: localStorage exam-engine.terminal (terminal id), exam-engine.token (also in
 * sessionStorage), exam-engine.number, exam-engine.outbox.<number> (unacknowledged events,
 * JSON array of {type, seq, ...payload}; a finish also carries `part`, the group index it
 * closes, never sent), exam-engine.text-size, exam-engine.high-contrast.
 */
(function () {
  'use strict';

  // ---------------------------------------------------------------- constants
  const STORE = {
    terminal: 'exam-engine.terminal',
    token: 'exam-engine.token',
    number: 'exam-engine.number',
    outbox: 'exam-engine.outbox.',
    textSize: 'exam-engine.text-size',
    contrast: 'exam-engine.high-contrast',
  };
  const SYNC_INTERVAL_MS = 15000;
  const TIMEUP_SYNC_MS = 5000;
  const ACK_TIMEOUT_MS = 10000;
  const WARNING_MS = 5 * 60 * 1000;
  const ANNOUNCE_MINUTES = [10, 5, 1];
  const TEXT_SCALES = [0.85, 1, 1.15, 1.3, 1.5, 1.75, 2];
  const DEFAULT_TEXT_SIZE = 1;
  const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const KEY_OPTIONS = 'abcdef';
  const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
  const TOKEN_CODES = ['invalid_token', 'token_expired'];
  const KNOWN_CODES = [
    'bad_request', 'invalid_credentials', 'seb_required', 'terminal_conflict', 'session_not_open',
    'rate_limited', 'invalid_token', 'token_expired', 'not_started', 'finished', 'paused',
    'bad_handle', 'bad_choice', 'bad_seq', 'section_closed', 'moved', 'unknown_event', 'not_logged_in',
    'section_timed', 'unavailable',
  ];

  const body = document.body;
  const LANG = body.dataset.lang || document.documentElement.lang || 'id';
  const BASE = (body.dataset.base || '').replace(/\/+$/, '');
  const API = BASE + '/candidate/api';
  const MESSAGES = readJsonIsland('messages');

  // ---------------------------------------------------------------- helpers
  function $(id) { return document.getElementById(id); }

  function readJsonIsland(id) {
    const el = document.getElementById(id);
    if (!el) return {};
    try {
      const v = JSON.parse(el.textContent || '{}');
      return v && typeof v === 'object' ? v : {};
    } catch (e) {
      return {};
    }
  }

  /** Catalogue lookup with {name} placeholders. A missing key shows itself. */
  function t(key, params) {
    let s = Object.prototype.hasOwnProperty.call(MESSAGES, key) ? String(MESSAGES[key]) : key;
    if (params) {
      s = s.replace(/\{(\w+)\}/g, (m, name) =>
        Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : m);
    }
    return s;
  }

  function hasMessage(key) { return Object.prototype.hasOwnProperty.call(MESSAGES, key); }

  function errorText(code, params) {
    const key = 'candidate.error.' + code;
    if (code && hasMessage(key)) return t(key, params);
    return t('candidate.error.unknown', { code: code || '?' });
  }

  function storageGet(store, k) { try { return store.getItem(k); } catch (e) { return null; } }
  function storageSet(store, k, v) { try { store.setItem(k, v); return true; } catch (e) { return false; } }
  function storageDel(store, k) { try { store.removeItem(k); } catch (e) { /* ignore */ } }
  const LS = (function () { try { return window.localStorage; } catch (e) { return null; } })();
  const SS = (function () { try { return window.sessionStorage; } catch (e) { return null; } })();
  function lsGet(k) { return LS ? storageGet(LS, k) : null; }
  function lsSet(k, v) { return LS ? storageSet(LS, k, v) : false; }
  function lsDel(k) { if (LS) storageDel(LS, k); }
  function ssGet(k) { return SS ? storageGet(SS, k) : null; }
  function ssSet(k, v) { return SS ? storageSet(SS, k, v) : false; }
  function ssDel(k) { if (SS) storageDel(SS, k); }

  function isInt(v) { return typeof v === 'number' && Number.isInteger(v); }
  function isNum(v) { return typeof v === 'number' && Number.isFinite(v); }
  function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

  /** Monotonic wall-clock estimate: immune to the workstation's clock being changed. */
  function mono() { return performance.timeOrigin + performance.now(); }

  function newUUID() {
    if (window.crypto && typeof crypto.randomUUID === 'function') {
      try { return crypto.randomUUID(); } catch (e) { /* insecure context: fall through */ }
    }
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  function b64ToBytes(s) {
    let x = String(s).replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/');
    while (x.length % 4) x += '=';
    const bin = atob(x);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function isDataImage(src) { return typeof src === 'string' && /^data:image\//i.test(src); }

  function localized(v, fallback) {
    if (typeof v === 'string') return v;
    if (v && typeof v === 'object') {
      if (typeof v[LANG] === 'string' && v[LANG]) return v[LANG];
      for (const k of ['id', 'en']) if (typeof v[k] === 'string' && v[k]) return v[k];
      for (const k of Object.keys(v)) if (typeof v[k] === 'string' && v[k]) return v[k];
    }
    return fallback == null ? '' : String(fallback);
  }

  function formatTime(ms) {
    const total = Math.max(0, Math.ceil(ms / 1000));
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    const mm = String(m).padStart(2, '0');
    const ss = String(s).padStart(2, '0');
    return h > 0 ? h + ':' + mm + ':' + ss : mm + ':' + ss;
  }

  function setText(el, text) { if (el) el.textContent = text == null ? '' : String(text); }
  function show(el, visible) { if (el) el.hidden = !visible; }

  // ---------------------------------------------------------------- state
  const S = {
    gen: 0,                 // bumps on logout/relogin: stale async loops stop
    token: null,
    number: null,
    socket: null,
    online: false,
    epoch: 0,               // bumps on every (re)connect: stale acks are recognised
    gotState: false,
    status: null,           // waiting | active | paused | finished
    // clock (server time, ms)
    offset: null,           // server_time - mono()
    samples: [],            // [{rtt, offset}]
    deadline: null,         // server time at which remaining reaches 0
    frozenRemaining: null,  // remaining at the last state/time (shown while not active)
    timeUp: false,
    lastSyncAt: 0,
    syncInFlight: false,
    announced: new Set(),
    // package
    cipher: null,           // {iv, data} (base64) until decrypted
    keyB64: null,           // released key until decrypted; never stored, never logged
    decrypting: false,
    decryptFailures: 0,
    exam: null,             // {title, items[], byH: Map, sections: Map}
    // answers
    answers: new Map(),     // h -> {choice: int|null, marked: bool}
    ackedLatest: new Map(), // "h:field" -> {seq, value}; acknowledged this page load
    lastServerSeq: 0,
    nextSeq: 1,
    outbox: [],
    inflight: new Map(),    // seq -> epoch it was emitted in
    // navigation
    current: 0,
    serverPosition: null,
    group: null,            // state.group (timed part) or null: {code, index, count, sections, first, last}
    positionApplied: false,
    renderedH: null,
    // end
    finishPart: null,       // group index a pending `finish` closes (null: none pending)
    ended: false,
    moved: false,           // refused with `moved`: this workstation is no longer the attempt's
    endReason: null,
    result: null,
    modalOpen: false,
    navigateEpoch: -1,
    connectErrorShown: null,
    sectionNames: new Map(), // code -> localized name (kept for the result screen)
  };

  // ---------------------------------------------------------------- display preferences
  function applyTextSize(idx) {
    const i = Math.min(TEXT_SCALES.length - 1, Math.max(0, idx));
    document.documentElement.style.setProperty('--text-scale', String(TEXT_SCALES[i]));
    document.documentElement.dataset.textSize = String(i);
    $('text-smaller').disabled = i === 0;
    $('text-larger').disabled = i === TEXT_SCALES.length - 1;
    return i;
  }

  function currentTextSize() {
    const v = parseInt(lsGet(STORE.textSize), 10);
    return Number.isInteger(v) ? v : DEFAULT_TEXT_SIZE;
  }

  function changeTextSize(delta) {
    const i = applyTextSize(currentTextSize() + delta);
    lsSet(STORE.textSize, String(i));
  }

  function applyContrast(on) {
    document.documentElement.classList.toggle('high-contrast', on);
    $('contrast-toggle').setAttribute('aria-pressed', on ? 'true' : 'false');
  }

  function toggleContrast() {
    const on = !document.documentElement.classList.contains('high-contrast');
    applyContrast(on);
    lsSet(STORE.contrast, on ? '1' : '0');
  }

  // ---------------------------------------------------------------- notices
  let noticeTimer = null;
  function showNotice(text, code, sticky) {
    const el = $('notice');
    setText($('notice-text'), text);
    el.dataset.code = code || '';
    el.hidden = false;
    clearTimeout(noticeTimer);
    if (!sticky) noticeTimer = setTimeout(hideNotice, 12000);
  }
  function hideNotice() {
    clearTimeout(noticeTimer);
    $('notice').hidden = true;
    $('notice').dataset.code = '';
  }

  function announce(text) {
    const el = $('sr-live');
    el.textContent = '';
    setTimeout(() => { el.textContent = text; }, 50);
  }

  // ---------------------------------------------------------------- screens
  const SCREENS = ['login', 'waiting', 'exam', 'result', 'blocked'];
  function showScreen(name) {
    if (body.dataset.screen === name) return;
    for (const s of SCREENS) show($(s), s === name);
    body.dataset.screen = name;
    show($('connection'), name !== 'login' && name !== 'blocked');
    if (name !== 'exam') closeFinishModal();
    // The blocking message is modal: nothing behind it can be reached.
    for (const id of ['topbar', 'notice', 'main']) $(id).inert = name === 'blocked';
  }

  function render() {
    if (S.moved) { showScreen('blocked'); return; }
    if (!S.token) { showScreen('login'); return; }
    if (S.ended) { renderResult(); showScreen('result'); return; }
    if (S.exam) { renderExam(); showScreen('exam'); tick(); return; }
    renderWaiting();
    showScreen('waiting');
  }

  // ---------------------------------------------------------------- session storage
  function loadSession() {
    const token = ssGet(STORE.token) || lsGet(STORE.token);
    const number = ssGet(STORE.number) || lsGet(STORE.number);
    if (token && number) { S.token = token; S.number = number; return true; }
    return false;
  }

  function saveSession(token, number) {
    ssSet(STORE.token, token); lsSet(STORE.token, token);
    ssSet(STORE.number, number); lsSet(STORE.number, number);
  }

  function forgetSession() {
    ssDel(STORE.token); lsDel(STORE.token);
    ssDel(STORE.number); lsDel(STORE.number);
  }

  function terminalId() {
    let id = lsGet(STORE.terminal);
    if (!id) {
      id = newUUID();
      lsSet(STORE.terminal, id);
    }
    return id;
  }

  // ---------------------------------------------------------------- login
  let loginLockUntil = 0;
  let loginLockTimer = null;

  function showLogin(errorCode, params) {
    stopSession();
    S.token = null;
    const err = $('login-error');
    if (errorCode) {
      err.textContent = errorText(errorCode, params);
      err.dataset.code = errorCode;
      err.hidden = false;
    } else {
      err.textContent = '';
      err.dataset.code = '';
      err.hidden = true;
    }
    $('login-pin').value = '';
    $('login-session-pin').value = '';
    showScreen('login');
    const number = $('login-number');
    if (!number.value && S.number) number.value = S.number;
    (number.value ? $('login-pin') : number).focus();
  }

  function setLoginError(text, code) {
    const err = $('login-error');
    err.textContent = text;
    err.dataset.code = code || '';
    err.hidden = !text;
  }

  function setLoginBusy(busy) {
    const btn = $('login-submit');
    btn.disabled = busy || Date.now() < loginLockUntil;
    btn.textContent = busy ? t('candidate.login.submitting') : t('candidate.login.submit');
    btn.setAttribute('aria-busy', busy ? 'true' : 'false');
  }

  function lockLogin(seconds) {
    loginLockUntil = Date.now() + seconds * 1000;
    clearInterval(loginLockTimer);
    const tickLock = () => {
      const left = Math.ceil((loginLockUntil - Date.now()) / 1000);
      if (left <= 0) {
        clearInterval(loginLockTimer);
        $('login-submit').disabled = false;
        setLoginError('', '');
        return;
      }
      $('login-submit').disabled = true;
      setLoginError(errorText('rate_limited', { seconds: left }), 'rate_limited');
    };
    tickLock();
    loginLockTimer = setInterval(tickLock, 1000);
  }

  function clearLoginPins() {
    $('login-pin').value = '';
    $('login-session-pin').value = '';
    if ($('login-number').value && document.activeElement !== $('login-number')) $('login-pin').focus();
  }

  async function submitLogin(ev) {
    ev.preventDefault();
    if (Date.now() < loginLockUntil) return;
    const number = $('login-number').value.trim();
    const pin = $('login-pin').value.trim();
    const sessionPin = $('login-session-pin').value.trim();
    if (!number || !pin || !sessionPin) {
      setLoginError(t('candidate.login.required'), 'required');
      return;
    }
    setLoginError('', '');
    setLoginBusy(true);
    let resp;
    let data = null;
    try {
      resp = await fetch(API + '/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ number: number, pin: pin, session_pin: sessionPin, terminal: terminalId() }),
        cache: 'no-store',
        credentials: 'same-origin',
      });
      try { data = await resp.json(); } catch (e) { data = null; }
    } catch (e) {
      setLoginBusy(false);
      clearLoginPins();
      setLoginError(errorText('network'), 'network');
      return;
    }
    setLoginBusy(false);
    if (resp.ok && data && typeof data.token === 'string' && data.token) {
      $('login-pin').value = '';
      $('login-session-pin').value = '';
      saveSession(data.token, number);
      startSession(data.token, number);
      return;
    }
    clearLoginPins(); // shared workstation: a refused PIN does not stay in the form
    const err = (data && data.error) || {};
    let code = typeof err.code === 'string' ? err.code : null;
    if (!code) code = resp.status === 429 ? 'rate_limited' : resp.status >= 500 ? 'server' : 'unknown';
    if (code === 'rate_limited') {
      let secs = Number(err.retry_after != null ? err.retry_after : data && data.retry_after);
      if (!Number.isFinite(secs)) secs = Number(resp.headers.get('Retry-After'));
      if (!Number.isFinite(secs) || secs <= 0) secs = 30;
      lockLogin(Math.ceil(secs));
      return;
    }
    if (code === 'unknown') {
      setLoginError(t('candidate.error.unknown', { code: 'HTTP ' + resp.status }), code);
      return;
    }
    setLoginError(errorText(code), code);
  }

  // ---------------------------------------------------------------- session lifecycle
  let syncTimer = null;

  function startSession(token, number) {
    stopSession();
    S.gen += 1;
    S.token = token;
    S.number = number;
    resetAttemptState();
    loadOutbox();
    S.finishPart = null;
    for (const e of S.outbox) {
      if (e.type !== 'finish') continue;
      const part = isInt(e.part) ? e.part : Number.MAX_SAFE_INTEGER; // older entries: until the end
      S.finishPart = S.finishPart == null ? part : Math.max(S.finishPart, part);
    }
    render();
    if (!window.crypto || !crypto.subtle) {
      showNotice(t('candidate.error.insecure_context'), 'insecure_context', true);
    }
    connectSocket();
    fetchPackage(S.gen);
    clearInterval(syncTimer);
    syncTimer = setInterval(() => doSync(), SYNC_INTERVAL_MS);
  }

  function resetAttemptState() {
    Object.assign(S, {
      online: false, gotState: false, status: null, offset: null, samples: [], deadline: null,
      frozenRemaining: null, timeUp: false, lastSyncAt: 0, syncInFlight: false, announced: new Set(),
      cipher: null, keyB64: null, decrypting: false, decryptFailures: 0, exam: null,
      answers: new Map(), ackedLatest: new Map(), lastServerSeq: 0, nextSeq: 1, outbox: [],
      inflight: new Map(), current: 0, serverPosition: null, positionApplied: false, renderedH: null,
      group: null, finishPart: null, ended: false, endReason: null, result: null, navigateEpoch: -1,
      connectErrorShown: null, sectionNames: new Map(),
    });
    clearItemDom();
  }

  function stopSession() {
    clearInterval(syncTimer);
    syncTimer = null;
    if (S.socket) {
      const sock = S.socket;
      S.socket = null;
      sock.off();
      sock.disconnect();
    }
    S.online = false;
  }

  function logout() {
    forgetSession();
    S.gen += 1;
    stopSession();
    resetAttemptState();
    S.number = null;
    $('login-number').value = '';
    showLogin(null);
  }

  /**
   * A proctor moved the attempt to another workstation: stop everything, forget the token
   * (and the unsent events, which the server would refuse), and block the screen.
   */
  function terminalMoved(code) {
    if (S.moved) return;
    clearOutbox();
    forgetSession();
    S.gen += 1;
    stopSession();
    S.moved = true;
    S.token = null;
    S.exam = null;
    S.cipher = null;
    S.keyB64 = null;
    S.finishPart = null;
    clearItemDom();
    closeFinishModal();
    hideNotice();
    const el = $('blocked');
    el.dataset.code = code || 'moved';
    setText($('blocked-candidate'), S.number ? t('candidate.result.candidate', { number: S.number }) : '');
    render();
    el.focus();
  }

  function leaveBlocked() {
    S.moved = false;
    $('blocked').dataset.code = '';
    setText($('blocked-candidate'), '');
    logout();
  }

  /** The stored token was refused: back to the login form, keeping the outbox for this number. */
  function tokenRejected(code) {
    ssDel(STORE.token); lsDel(STORE.token);
    S.gen += 1;
    S.exam = null;
    S.keyB64 = null;
    clearItemDom();
    showLogin(code);
  }

  // ---------------------------------------------------------------- package download + decryption
  async function fetchPackage(gen) {
    let delay = 1000;
    while (gen === S.gen && !S.cipher && !S.exam && !S.ended) {
      let resp = null;
      let data = null;
      try {
        resp = await fetch(API + '/package', {
          headers: { Authorization: 'Bearer ' + S.token, Accept: 'application/json' },
          cache: 'no-store',
          credentials: 'same-origin',
        });
        try { data = await resp.json(); } catch (e) { data = null; }
      } catch (e) {
        resp = null; // network error: retry
      }
      if (gen !== S.gen) return;
      if (resp && resp.ok && data && typeof data.iv === 'string' && typeof data.data === 'string') {
        S.cipher = { iv: data.iv, data: data.data };
        break;
      }
      if (resp && !resp.ok) {
        const code = data && data.error && data.error.code;
        if (resp.status === 401 || TOKEN_CODES.indexOf(code) >= 0) { tokenRejected(code || 'invalid_token'); return; }
        if (code === 'terminal_conflict' || code === 'moved') { terminalMoved(code); return; }
        if (code === 'finished') { doSync(); }
      }
      await sleep(delay + Math.random() * delay * 0.5);
      delay = Math.min(delay * 2, 15000);
    }
    if (gen !== S.gen) return;
    render();
    maybeDecrypt();
  }

  async function maybeDecrypt() {
    if (S.exam || S.ended || !S.cipher || !S.keyB64 || S.decrypting) return;
    if (!window.crypto || !crypto.subtle) {
      showNotice(t('candidate.error.insecure_context'), 'insecure_context', true);
      return;
    }
    const gen = S.gen;
    S.decrypting = true;
    render();
    let pkg = null;
    try {
      const key = await crypto.subtle.importKey('raw', b64ToBytes(S.keyB64), 'AES-GCM', false, ['decrypt']);
      const plain = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: b64ToBytes(S.cipher.iv) }, key, b64ToBytes(S.cipher.data));
      pkg = JSON.parse(new TextDecoder().decode(plain));
    } catch (e) {
      pkg = null; // deliberately not logged: the error could carry package material
    }
    S.decrypting = false;
    if (gen !== S.gen) return;
    const exam = pkg && buildExam(pkg);
    if (!exam) {
      S.decryptFailures += 1;
      showNotice(t('candidate.error.decrypt'), 'decrypt', true);
      // Get a fresh package and a fresh key, then try again (with a pause).
      S.cipher = null;
      S.keyB64 = null;
      const wait = Math.min(30000, 2000 * S.decryptFailures);
      setTimeout(() => {
        if (gen !== S.gen) return;
        fetchPackage(gen);
        doSync();
      }, wait);
      render();
      return;
    }
    S.keyB64 = null;
    S.cipher = null;
    S.exam = exam;
    if (S.decryptFailures) hideNotice();
    setupExam();
  }

  function buildExam(pkg) {
    if (!pkg || typeof pkg !== 'object' || !Array.isArray(pkg.items) || pkg.items.length === 0) return null;
    const sections = new Map();
    if (Array.isArray(pkg.sections)) {
      for (const s of pkg.sections) if (s && typeof s.code === 'string') sections.set(s.code, s);
    }
    const items = [];
    for (const it of pkg.items) {
      if (it && isInt(it.h) && isInt(it.column) && isInt(it.row)) {
        const cell = kraepelinCell(it, sections.get(it.section));
        if (!cell) return null;
        items.push(cell);
        continue;
      }
      if (!it || !isInt(it.h) || !Array.isArray(it.options)) return null;
      items.push({
        h: it.h,
        section: typeof it.section === 'string' ? it.section : '',
        stem: typeof it.stem === 'string' ? it.stem : '',
        image: isDataImage(it.image) ? it.image : null,
        options: it.options.map((o) => ({
          text: o && typeof o.text === 'string' ? o.text : (typeof o === 'string' ? o : ''),
          image: o && isDataImage(o.image) ? o.image : null,
        })),
      });
    }
    items.sort((a, b) => a.h - b.h);
    const byH = new Map();
    items.forEach((it, i) => { it.index = i; byH.set(it.h, it); });
    return { title: localized(pkg.title, ''), items: items, byH: byH, sections: sections };
  }

  /** A Kraepelin cell: between digits `row` and `row + 1` of its column; the answers are 0..9. */
  function kraepelinCell(it, section) {
    const sheet = section && Array.isArray(section.sheet) ? section.sheet : null;
    const column = sheet ? sheet[it.column] : null;
    if (!Array.isArray(column) || it.row < 0 || it.row + 1 >= column.length) return null;
    return {
      h: it.h, section: typeof it.section === 'string' ? it.section : '', stem: '', image: null,
      kraepelin: { column: it.column, columns: sheet.length, row: it.row, upper: column[it.row], lower: column[it.row + 1] },
      options: DIGITS.map((d) => ({ text: d, image: null })),
    };
  }

  function isKraepelin(item) { return !!item && !!item.kraepelin; }

  function sectionName(code) {
    const s = S.exam && S.exam.sections.get(code);
    if (s) return localized(s.name, code);
    return S.sectionNames.get(code) || code || '';
  }

  // ---------------------------------------------------------------- socket
  function tokenCodeFrom(err) {
    const d = err && err.data;
    if (d && typeof d === 'object' && typeof d.code === 'string') return d.code;
    if (typeof d === 'string') return d;
    const m = String((err && err.message) || '');
    for (const c of KNOWN_CODES) if (m.indexOf(c) >= 0) return c;
    return null;
  }

  function connectSocket() {
    if (typeof window.io !== 'function') {
      showNotice(t('candidate.error.client_missing'), 'client_missing', true);
      return;
    }
    const gen = S.gen;
    const sock = window.io('/candidate', {
      path: BASE + '/socket.io',
      auth: (cb) => cb({ token: S.token }),
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      reconnection: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 8000,
      randomizationFactor: 0.5,
      timeout: 15000,
    });
    S.socket = sock;

    sock.on('connect', () => {
      if (gen !== S.gen) return;
      S.online = true;
      S.epoch += 1;
      S.inflight.clear();
      S.syncInFlight = false;
      S.gotState = false;
      hideConnectionNotice();
      renderConnection();
      doSync(); // round trip for the clock offset; the server also pushes `state`
    });

    sock.on('disconnect', (reason) => {
      if (gen !== S.gen) return;
      S.online = false;
      S.inflight.clear();
      renderConnection();
      if (reason === 'io server disconnect') {
        // The server dropped us on purpose (token revoked, moved to another seat...).
        // Try again: a refused token comes back as connect_error and leads to the login form.
        setTimeout(() => { if (gen === S.gen && S.socket === sock && !sock.connected) sock.connect(); }, 3000);
      }
    });

    sock.on('connect_error', (err) => {
      if (gen !== S.gen) return;
      S.online = false;
      renderConnection();
      if (sock.active) return; // transport problem: the client retries by itself
      const code = tokenCodeFrom(err);
      if (code && TOKEN_CODES.indexOf(code) >= 0) { tokenRejected(code); return; }
      // Our token was issued to this workstation: another one holding the attempt means a move.
      if (code === 'terminal_conflict' || code === 'moved') { terminalMoved(code); return; }
      if (code) { showNotice(errorText(code), code, true); S.connectErrorShown = code; }
      setTimeout(() => { if (gen === S.gen && S.socket === sock && !sock.connected) sock.connect(); }, 5000);
    });

    sock.on('state', (st) => { if (gen === S.gen) handleState(st, null); });
    sock.on('time', (tm) => { if (gen === S.gen) handleTime(tm); });
    sock.on('key', (k) => {
      if (gen !== S.gen || !k || typeof k.key !== 'string') return;
      if (!S.exam) { S.keyB64 = k.key; maybeDecrypt(); }
      // The status changes with the key, so the clock rides along: 2,000 terminals
      // receiving a key at once must not all answer with a `sync`.
      if (k.time && typeof k.time === 'object') handleTime(k.time); else doSync();
    });
    sock.on('ended', (e) => { if (gen === S.gen) handleEnded(e || {}); });
    sock.on('score', (s) => { if (gen === S.gen) showLiveScore(s); });
  }

  /** A refusal shown by connect_error is over once we are connected. */
  function hideConnectionNotice() {
    if (S.connectErrorShown && $('notice').dataset.code === S.connectErrorShown) hideNotice();
    S.connectErrorShown = null;
  }

  function doSync() {
    const sock = S.socket;
    if (!sock || !sock.connected || S.syncInFlight) return;
    const gen = S.gen;
    const epoch = S.epoch;
    S.syncInFlight = true;
    S.lastSyncAt = mono();
    const t0 = mono();
    sock.timeout(ACK_TIMEOUT_MS).emit('sync', {}, (err, st) => {
      if (epoch === S.epoch) S.syncInFlight = false;
      if (gen !== S.gen || err || !st) return;
      if (st.ok === false) { if (st.code === 'moved') terminalMoved('moved'); return; } // a refusal, not a state
      handleState(st, { t0: t0, t1: mono() });
    });
  }

  // ---------------------------------------------------------------- clock
  function addClockSample(serverTime, t0, t1) {
    const rtt = Math.max(0, t1 - t0);
    S.samples.push({ rtt: rtt, offset: serverTime + rtt / 2 - t1 });
    if (S.samples.length > 8) S.samples.shift();
    let best = S.samples[0];
    for (const s of S.samples) if (s.rtt <= best.rtt) best = s; // the newest of the fastest round trips
    S.offset = best.offset;
  }

  function serverNow() { return mono() + (S.offset == null ? 0 : S.offset); }

  function setClock(serverTime, remaining) {
    if (!isNum(remaining)) return;
    if (isNum(serverTime)) {
      if (S.offset == null) S.offset = serverTime - mono(); // coarse until the first sync round trip
      S.deadline = serverTime + remaining;
    } else {
      S.deadline = serverNow() + remaining;
    }
    S.frozenRemaining = remaining;
  }

  function remainingMs() {
    if (S.deadline == null) return null;
    if (S.status !== 'active') return Math.max(0, S.frozenRemaining);
    return Math.max(0, S.deadline - serverNow());
  }

  function setStatus(status) {
    if (typeof status !== 'string') return;
    const prev = S.status;
    S.status = status;
    if (prev !== status && status === 'paused') announce(t('candidate.paused.banner'));
  }

  function tick() {
    if (!S.token || S.ended) return;
    const ms = remainingMs();
    const timer = $('timer');
    if (ms == null) {
      setText(timer, '--:--');
      timer.dataset.remainingMs = '';
      timer.dataset.warning = 'false';
      return;
    }
    const text = formatTime(ms);
    if (timer.textContent !== text) timer.textContent = text;
    timer.dataset.remainingMs = String(Math.round(ms));
    timer.dataset.warning = ms <= WARNING_MS ? 'true' : 'false';
    const up = S.status === 'active' && ms <= 0;
    if (up !== S.timeUp) {
      S.timeUp = up;
      if (up) {
        announce(t('candidate.timer.up'));
        closeFinishModal();
      }
      renderExamStatus();
    }
    if (S.status === 'active') {
      for (const m of ANNOUNCE_MINUTES) {
        const limit = m * 60000;
        if (ms <= limit && ms > limit - 5000 && !S.announced.has(m)) {
          S.announced.add(m);
          announce(t('candidate.timer.announce', { minutes: m }));
        }
      }
    }
    // At zero the server closes the attempt; ask it now and then until `ended` arrives.
    if (S.timeUp && mono() - S.lastSyncAt > TIMEUP_SYNC_MS) doSync();
  }

  // ---------------------------------------------------------------- server messages
  function handleState(st, rtt) {
    if (!st || typeof st !== 'object') return;
    if (rtt && isNum(st.server_time)) addClockSample(st.server_time, rtt.t0, rtt.t1);
    const group = parseGroup(st.group);
    // Parts only move forward: a `sync` answered before the part closed is stale.
    if (group && S.group && group.index < S.group.index && st.status !== 'finished') return;
    const prevGroup = S.group;
    S.group = group;
    S.gotState = true;
    setStatus(st.status);
    setClock(st.server_time, st.remaining);
    if (isInt(st.last_seq)) {
      S.lastServerSeq = st.last_seq;
      S.nextSeq = Math.max(S.nextSeq, st.last_seq + 1);
    }
    if (st.status === 'finished') {
      handleEnded({ reason: st.reason || st.finish_reason || S.endReason, result: st.result });
      return;
    }
    if (st.answers && typeof st.answers === 'object') rebuildAnswers(st.answers, S.lastServerSeq);
    if (isInt(st.position)) S.serverPosition = st.position;
    if (group && prevGroup && group.index > prevGroup.index) partOpened();
    else if (ensureCurrentOpen()) emitNavigate();
    if (typeof st.key === 'string' && st.key && !S.exam) {
      S.keyB64 = st.key;
      maybeDecrypt();
    }
    flushOutbox();
    if (S.exam && S.online && S.navigateEpoch !== S.epoch) emitNavigate();
    render();
  }

  function parseGroup(g) {
    if (!g || typeof g !== 'object') return null;
    if (!isInt(g.index) || !isInt(g.count) || !isInt(g.first) || !isInt(g.last)) return null;
    if (g.count < 1 || g.index < 0 || g.first < 0 || g.last < g.first) return null;
    return {
      code: typeof g.code === 'string' ? g.code : '',
      index: g.index,
      count: g.count,
      sections: Array.isArray(g.sections) ? g.sections.slice() : [],
      first: g.first,
      last: g.last,
      column: isInt(g.column) ? g.column : null,
    };
  }

  /** The next timed part is open: its first item, its own clock, a fresh finish dialog. */
  function partOpened() {
    S.announced = new Set();
    closeFinishModal();
    if (S.exam) {
      S.current = firstOpenH();
      S.renderedH = null;
      emitNavigate();
    }
    const cell = currentItem();
    const text = isKraepelin(cell)
      ? t('candidate.kraepelin.opened', { n: cell.kraepelin.column + 1, count: cell.kraepelin.columns })
      : t('candidate.part.opened', { n: S.group.index + 1, count: S.group.count });
    showNotice(text, 'part_opened', false);
    announce(text);
  }

  function handleTime(tm) {
    if (!tm || typeof tm !== 'object') return;
    setStatus(tm.status);
    setClock(tm.server_time, tm.remaining);
    if (tm.status === 'finished') doSync();
    render();
    tick();
  }

  function handleEnded(e) {
    const firstTime = !S.ended;
    S.ended = true;
    S.status = 'finished';
    if (typeof e.reason === 'string') S.endReason = e.reason;
    if (e.result !== undefined) S.result = e.result;
    if (firstTime) {
      clearOutbox();
      S.finishPart = null;
      S.exam = null;       // the items leave memory and the screen
      S.cipher = null;
      S.keyB64 = null;
      clearItemDom();
      closeFinishModal();
    }
    render();
  }

  // ---------------------------------------------------------------- answers, events, outbox
  function outboxKey() { return STORE.outbox + S.number; }

  function validEvent(e) {
    if (!e || typeof e !== 'object' || !isInt(e.seq) || e.seq < 1) return false;
    switch (e.type) {
      case 'answer': return isInt(e.h) && isInt(e.choice);
      case 'mark': return isInt(e.h) && typeof e.marked === 'boolean';
      case 'clear': return isInt(e.h);
      case 'finish': return true;
      default: return false;
    }
  }

  function loadOutbox() {
    let list = [];
    try {
      const raw = lsGet(outboxKey());
      const v = raw ? JSON.parse(raw) : [];
      if (Array.isArray(v)) list = v.filter(validEvent);
    } catch (e) {
      list = [];
    }
    list.sort((a, b) => a.seq - b.seq);
    S.outbox = list;
  }

  function saveOutbox() {
    if (S.outbox.length) lsSet(outboxKey(), JSON.stringify(S.outbox));
    else lsDel(outboxKey());
  }

  function clearOutbox() {
    S.outbox = [];
    S.inflight.clear();
    if (S.number) lsDel(outboxKey());
    renderConnection();
  }

  function outboxRemove(seq) {
    const before = S.outbox.length;
    S.outbox = S.outbox.filter((e) => e.seq !== seq);
    if (S.outbox.length !== before) saveOutbox();
  }

  function allocSeq() {
    let max = 0;
    for (const e of S.outbox) if (e.seq > max) max = e.seq;
    const seq = Math.max(S.nextSeq, S.lastServerSeq + 1, max + 1);
    S.nextSeq = seq + 1;
    return seq;
  }

  function eventField(e) {
    if (e.type === 'answer') return ['choice', e.choice];
    if (e.type === 'clear') return ['choice', null];
    if (e.type === 'mark') return ['marked', !!e.marked];
    return null;
  }

  function answerOf(h, map) {
    const m = map || S.answers;
    let a = m.get(h);
    if (!a) { a = { choice: null, marked: false }; m.set(h, a); }
    return a;
  }

  function applyEvent(e, map) {
    const f = eventField(e);
    if (!f || !isInt(e.h)) return;
    answerOf(e.h, map)[f[0]] = f[1];
  }

  /**
   * Server answers, then, per handle and field, the newest local event wins when it is
   * still unacknowledged or newer than the server's snapshot (seq > last_seq).
   */
  function rebuildAnswers(serverAnswers, lastSeq) {
    const m = new Map();
    for (const k of Object.keys(serverAnswers)) {
      const h = Number(k);
      const v = serverAnswers[k];
      if (!Number.isInteger(h) || !v || typeof v !== 'object') continue;
      m.set(h, { choice: isInt(v.choice) ? v.choice : null, marked: v.marked === true });
    }
    const latest = new Map();
    for (const [key, rec] of S.ackedLatest) latest.set(key, { seq: rec.seq, value: rec.value, pending: false });
    for (const e of S.outbox) {
      const f = eventField(e);
      if (!f) continue;
      const key = e.h + ':' + f[0];
      const cur = latest.get(key);
      if (!cur || cur.seq < e.seq) latest.set(key, { seq: e.seq, value: f[1], pending: true });
    }
    for (const [key, rec] of latest) {
      if (!rec.pending && rec.seq <= lastSeq) continue;
      const i = key.lastIndexOf(':');
      answerOf(Number(key.slice(0, i)), m)[key.slice(i + 1)] = rec.value;
    }
    S.answers = m;
  }

  function rememberAcked(e) {
    const f = eventField(e);
    if (!f) return;
    const key = e.h + ':' + f[0];
    const cur = S.ackedLatest.get(key);
    if (!cur || cur.seq < e.seq) S.ackedLatest.set(key, { seq: e.seq, value: f[1] });
  }

  function payloadOf(e) {
    switch (e.type) {
      case 'answer': return { seq: e.seq, h: e.h, choice: e.choice };
      case 'mark': return { seq: e.seq, h: e.h, marked: e.marked };
      case 'clear': return { seq: e.seq, h: e.h };
      default: return { seq: e.seq };
    }
  }

  /** Apply at once, persist, then send: the outbox is written before the emit. */
  function record(type, fields) {
    const e = Object.assign({ type: type, seq: allocSeq() }, fields);
    if (type !== 'finish') applyEvent(e);
    S.outbox.push(e);
    saveOutbox();
    renderAnswerState();
    renderConnection();
    sendEvent(e);
    return e;
  }

  function sendEvent(e) {
    const sock = S.socket;
    if (!sock || !sock.connected || S.inflight.has(e.seq)) return;
    const epoch = S.epoch;
    const gen = S.gen;
    S.inflight.set(e.seq, epoch);
    sock.timeout(ACK_TIMEOUT_MS).emit(e.type, payloadOf(e), (err, ack) => {
      if (gen !== S.gen) return;
      if (S.inflight.get(e.seq) === epoch) S.inflight.delete(e.seq);
      if (err || !ack || typeof ack !== 'object') return; // no answer: resent at the next flush
      handleAck(e, ack);
    });
  }

  // The running total while answering (sent only when the exam shows scores).
  function showLiveScore(s) {
    if (!s || typeof s.total !== 'number' || !isFinite(s.total)) return;
    $('live-score').textContent = String(Math.round(s.total * 100) / 100);
    $('live-score-box').hidden = false;
  }

  function handleAck(e, ack) {
    if (ack.ok === true) {
      outboxRemove(e.seq);
      rememberAcked(e);
      renderConnection();
      if (e.type === 'finish' && !S.ended) setTimeout(() => { if (!S.ended) doSync(); }, 3000);
      return;
    }
    if (ack.ok !== false) return;
    const code = typeof ack.code === 'string' ? ack.code : 'unknown';
    if (code === 'moved') { terminalMoved(code); return; }
    if (code === 'unavailable') {
      // Not stored (the server's disk or database failed): keep it and send it again shortly.
      showNotice(errorText(code), code, false);
      setTimeout(flushOutbox, 2000);
      return;
    }
    outboxRemove(e.seq);
    if (e.type === 'finish' && code !== 'finished') S.finishPart = null;
    if (e.type === 'finish' && code === 'section_closed') {
      // The part's time ran out first: the server has closed it, as the candidate wanted.
      renderConnection();
      doSync();
      render();
      return;
    }
    let text = errorText(code);
    if (code === 'finished' && typeof ack.reason === 'string' && hasMessage('candidate.ended.' + ack.reason)) {
      text = text + ' ' + t('candidate.ended.' + ack.reason);
    }
    showNotice(text, code, false);
    renderConnection();
    doSync(); // re-sync the screen with what the server holds
    render();
  }

  function flushOutbox() {
    if (!S.socket || !S.socket.connected) return;
    const list = S.outbox.slice().sort((a, b) => a.seq - b.seq);
    for (const e of list) sendEvent(e);
  }

  function emitNavigate() {
    const sock = S.socket;
    if (!sock || !sock.connected || !S.exam) return;
    S.navigateEpoch = S.epoch;
    const gen = S.gen;
    sock.emit('navigate', { h: S.current }, (ack) => {
      if (gen === S.gen && ack && ack.ok === false && ack.code === 'moved') terminalMoved('moved');
    });
  }

  // ---------------------------------------------------------------- candidate actions
  function finishing() {
    return S.finishPart != null && !S.ended && (!S.group || S.group.index <= S.finishPart);
  }

  function canAnswer() {
    return !!S.exam && S.status === 'active' && !S.ended && !finishing() && !S.timeUp && isOpen(S.current);
  }

  // ---------------------------------------------------------------- timed parts
  /** More than one timed part: navigation is limited to the open one. */
  function multiPart() { return !!S.group && S.group.count > 1; }

  function isLastPart() { return !S.group || S.group.index >= S.group.count - 1; }

  /** open | closed (an earlier, finished part) | future (a later part, not open yet) */
  function partOf(h) {
    if (!multiPart()) return 'open';
    if (h < S.group.first) return 'closed';
    if (h > S.group.last) return 'future';
    return 'open';
  }

  function isOpen(h) { return partOf(h) === 'open'; }

  function firstOpenH() {
    if (!S.exam) return 0;
    const it = S.exam.items.find((x) => isOpen(x.h));
    if (isKraepelin(it)) {
      // Back in a column (a reload, a reconnect): below the last digit written, as on paper.
      const open = S.exam.items.filter((x) => isOpen(x.h));
      let last = -1;
      open.forEach((x, i) => { const a = S.answers.get(x.h); if (a && a.choice != null) last = i; });
      return open[Math.min(last + 1, open.length - 1)].h;
    }
    return (it || S.exam.items[0]).h;
  }

  /** Keep the current item inside the open part; true when it had to move. */
  function ensureCurrentOpen() {
    if (!S.exam || isOpen(S.current)) return false;
    S.current = firstOpenH();
    S.renderedH = null;
    return true;
  }

  function currentItem() { return S.exam ? S.exam.byH.get(S.current) : null; }

  function choose(index) {
    const item = currentItem();
    if (!canAnswer() || !item || index < 0 || index >= item.options.length) return;
    if (answerOf(item.h).choice === index) return;
    record('answer', { h: item.h, choice: index });
  }

  function toggleMark() {
    const item = currentItem();
    if (!canAnswer() || !item) return;
    record('mark', { h: item.h, marked: !answerOf(item.h).marked });
  }

  function clearAnswer() {
    const item = currentItem();
    if (!canAnswer() || !item || answerOf(item.h).choice == null) return;
    record('clear', { h: item.h });
  }

  function goTo(h) {
    if (!S.exam || !S.exam.byH.has(h) || h === S.current || !isOpen(h)) return;
    S.current = h;
    emitNavigate();
    renderExam();
  }

  function step(delta) {
    const item = currentItem();
    if (!item) return;
    const next = S.exam.items[item.index + delta];
    if (next && isOpen(next.h)) goTo(next.h);
  }

  /** Counts over the open part (every item when there is one part); locked items apart. */
  function counts() {
    let answered = 0;
    let marked = 0;
    let total = 0;
    let closed = 0;
    let future = 0;
    for (const it of S.exam ? S.exam.items : []) {
      const part = partOf(it.h);
      if (part === 'closed') { closed += 1; continue; }
      if (part === 'future') { future += 1; continue; }
      total += 1;
      const a = S.answers.get(it.h);
      if (a && a.choice != null) answered += 1;
      if (a && a.marked) marked += 1;
    }
    return { answered: answered, unanswered: total - answered, marked: marked, total: total,
      closed: closed, future: future };
  }

  let modalReturnFocus = null;
  function openFinishModal() {
    if (!canAnswer()) return;
    const c = counts();
    const multi = multiPart();
    const partOnly = multi && !isLastPart(); // finishing opens the next part
    const n = multi ? S.group.index + 1 : 1;
    const un = $('finish-unanswered');
    const mk = $('finish-marked');
    setText(un, t(multi ? 'candidate.finish.part_unanswered' : 'candidate.finish.unanswered', { count: c.unanswered }));
    un.dataset.count = String(c.unanswered);
    setText(mk, t(multi ? 'candidate.finish.part_marked' : 'candidate.finish.marked', { count: c.marked }));
    mk.dataset.count = String(c.marked);
    $('finish-modal').dataset.scope = partOnly ? 'part' : 'exam';
    setText($('finish-title'), partOnly ? t('candidate.finish.part_title', { n: n }) : t('candidate.finish.title'));
    setText($('finish-warning'), partOnly ? t('candidate.finish.part_warning', { n: n, next: n + 1 })
      : t('candidate.finish.warning'));
    setText($('confirm-finish'), partOnly ? t('candidate.finish.part_confirm', { n: n })
      : t('candidate.finish.confirm'));
    modalReturnFocus = document.activeElement;
    $('finish-modal').hidden = false;
    S.modalOpen = true;
    $('cancel-finish').focus();
  }

  function closeFinishModal() {
    if (!S.modalOpen) return;
    $('finish-modal').hidden = true;
    S.modalOpen = false;
    if (modalReturnFocus && document.contains(modalReturnFocus)) modalReturnFocus.focus();
    modalReturnFocus = null;
  }

  function confirmFinish() {
    if (!S.modalOpen) return;
    const ok = canAnswer();
    closeFinishModal();
    if (!ok) return;
    const part = S.group ? S.group.index : 0;
    S.finishPart = part;
    record('finish', { part: part });
    render();
  }

  // ---------------------------------------------------------------- rendering
  function renderConnection() {
    const el = $('connection');
    const pending = S.outbox.length;
    el.dataset.state = S.online ? 'online' : 'offline';
    el.dataset.pending = String(pending);
    setText($('connection-text'), !S.online ? t('candidate.connection.offline')
      : pending ? t('candidate.connection.saving') : t('candidate.connection.online'));
  }

  function renderWaiting() {
    const w = $('waiting');
    let phase;
    let title;
    let bodyText = '';
    if (!S.gotState) {
      phase = 'connecting';
      title = t('candidate.waiting.connecting');
    } else if (S.keyB64 || S.decrypting || (S.status && S.status !== 'waiting')) {
      phase = 'loading';
      title = S.cipher ? t('candidate.waiting.opening') : t('candidate.waiting.package_pending');
    } else {
      phase = 'waiting';
      title = t('candidate.waiting.title');
      bodyText = t('candidate.waiting.body');
    }
    w.dataset.phase = phase;
    w.dataset.package = S.cipher ? 'ready' : 'pending';
    setText($('waiting-title'), title);
    setText($('waiting-body'), bodyText);
    setText($('waiting-package'), S.cipher ? t('candidate.waiting.package_ready') : t('candidate.waiting.package_pending'));
    setText($('waiting-candidate'), t('candidate.waiting.candidate', { number: S.number || '' }));
  }

  function clearItemDom() {
    setText($('stem'), '');
    const img = $('stem-image');
    img.removeAttribute('src');
    img.hidden = true;
    $('options').replaceChildren();
    $('grid').replaceChildren();
    $('kraepelin-sheet').replaceChildren(); // the digits leave the screen too
    delete $('kraepelin').dataset.key;
    setText($('exam-title'), '');
    setText($('section-name'), '');
    setText($('item-of'), '');
  }

  function setupExam() {
    const exam = S.exam;
    if (!S.positionApplied) {
      S.positionApplied = true;
      if (S.serverPosition != null && exam.byH.has(S.serverPosition)) S.current = S.serverPosition;
      else S.current = exam.items[0].h;
    }
    if (!exam.byH.has(S.current)) S.current = exam.items[0].h;
    ensureCurrentOpen(); // a position in a part that has closed since: the open part's first item
    if (isKraepelin(currentItem())) S.current = firstOpenH(); // cells send no `navigate`: resume below the last digit
    S.sectionNames = new Map();
    for (const it of exam.items) if (!S.sectionNames.has(it.section)) S.sectionNames.set(it.section, sectionName(it.section));
    buildGrid();
    S.renderedH = null;
    setText($('exam-title'), exam.title);
    setText($('candidate-number'), S.number || '');
    emitNavigate();
    render();
  }

  function buildGrid() {
    const grid = $('grid');
    grid.replaceChildren();
    let group = null;
    let groupCode = null;
    for (const it of S.exam.items) {
      if (isKraepelin(it)) continue; // a column has its own sheet, not a grid of hundreds of cells
      if (!group || it.section !== groupCode) {
        groupCode = it.section;
        const wrap = document.createElement('div');
        wrap.className = 'grid-section';
        wrap.dataset.section = groupCode;
        const head = document.createElement('div');
        head.className = 'grid-section-name';
        const headName = document.createElement('span');
        headName.textContent = sectionName(groupCode);
        const headStatus = document.createElement('span');
        headStatus.className = 'grid-section-status';
        head.append(headName, headStatus);
        wrap.dataset.firstH = String(it.h);
        group = document.createElement('div');
        group.className = 'grid-cells';
        wrap.append(head, group);
        grid.append(wrap);
      }
      const cell = document.createElement('button');
      cell.type = 'button';
      cell.className = 'cell';
      cell.dataset.h = String(it.h);
      const num = document.createElement('span');
      num.className = 'cell-number';
      num.textContent = String(it.index + 1);
      const sym = document.createElement('span');
      sym.className = 'cell-symbol';
      sym.setAttribute('aria-hidden', 'true');
      cell.append(num, sym);
      cell.addEventListener('click', () => goTo(it.h));
      group.append(cell);
    }
  }

  function renderExam() {
    const exam = S.exam;
    if (!exam) return;
    const item = currentItem();
    if (!item) return;
    const n = item.index + 1;
    const total = exam.items.length;
    const ex = $('exam');
    ex.dataset.h = String(item.h);
    setText($('section-name'), sectionName(item.section));
    setText($('item-of'), t('candidate.exam.item_of', { n: n, total: total }));
    setText($('candidate-number'), S.number || '');
    renderPart();
    const kp = isKraepelin(item);
    for (const id of ['item', 'nav-panel', 'exam-controls', 'keyboard-hint']) show($(id), !kp);
    show($('kraepelin'), kp);
    if (kp) {
      setText($('item-of'), t('candidate.kraepelin.column', { n: item.kraepelin.column + 1, count: item.kraepelin.columns }));
      renderKraepelin(item);
      renderExamStatus();
      return;
    }

    if (S.renderedH !== item.h) {
      S.renderedH = item.h;
      $('stem').textContent = item.stem;
      const img = $('stem-image');
      if (item.image) {
        img.src = item.image;
        img.alt = t('candidate.exam.stem_image_alt', { n: n });
        img.hidden = false;
      } else {
        img.removeAttribute('src');
        img.alt = '';
        img.hidden = true;
      }
      const box = $('options');
      box.replaceChildren();
      item.options.forEach((opt, i) => {
        const letter = LETTERS[i] || String(i + 1);
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'option';
        b.dataset.index = String(i);
        b.dataset.letter = letter;
        const l = document.createElement('span');
        l.className = 'option-letter';
        l.textContent = letter;
        const content = document.createElement('span');
        content.className = 'option-content';
        const txt = document.createElement('span');
        txt.className = 'option-text';
        txt.textContent = opt.text;
        content.append(txt);
        if (opt.image) {
          const oi = document.createElement('img');
          oi.className = 'option-image';
          oi.src = opt.image;
          oi.alt = t('candidate.exam.option_image_alt', { letter: letter });
          content.append(oi);
        }
        b.append(l, content);
        b.addEventListener('click', () => choose(i));
        box.append(b);
      });
      const itemEl = $('item');
      if (itemEl.scrollTo) itemEl.scrollTo(0, 0);
      const cell = $('grid').querySelector('.cell[data-h="' + item.h + '"]');
      if (cell && cell.scrollIntoView) cell.scrollIntoView({ block: 'nearest' });
    }
    const prev = exam.items[item.index - 1];
    const next = exam.items[item.index + 1];
    $('btn-prev').disabled = !prev || !isOpen(prev.h);
    $('btn-next').disabled = !next || !isOpen(next.h);
    renderAnswerState();
    renderExamStatus();
  }

  /** The open Kraepelin column: built once per column, its cells refreshed on every render. */
  function renderKraepelin(item) {
    const box = $('kraepelin');
    const k = item.kraepelin;
    const key = item.section + ':' + k.column;
    if (box.dataset.key !== key) {
      box.dataset.key = key;
      box.dataset.section = item.section;
      box.dataset.column = String(k.column);
      box.dataset.columns = String(k.columns);
      setText($('kraepelin-title'), t('candidate.kraepelin.column', { n: k.column + 1, count: k.columns }));
      const cells = S.exam.items.filter((it) => isKraepelin(it) && it.section === item.section
        && it.kraepelin.column === k.column).sort((a, b) => a.kraepelin.row - b.kraepelin.row);
      const list = $('kraepelin-sheet');
      list.setAttribute('aria-label', t('candidate.kraepelin.sheet', { n: k.column + 1 }));
      list.replaceChildren();
      cells.forEach((cell, r) => {
        const digit = document.createElement('li');
        digit.className = 'kp-digit';
        digit.dataset.row = String(r);
        digit.textContent = String(cell.kraepelin.upper);
        const slot = document.createElement('li');
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'kp-cell';
        b.dataset.h = String(cell.h);
        b.dataset.row = String(r);
        b.addEventListener('click', () => goTo(cell.h));
        slot.append(b);
        list.append(digit, slot);
      });
      const last = document.createElement('li');
      last.className = 'kp-digit';
      last.dataset.row = String(cells.length);
      last.textContent = cells.length ? String(cells[cells.length - 1].kraepelin.lower) : '';
      list.append(last);
      S.renderedH = null;
    }
    renderKraepelinCells();
    if (S.renderedH !== item.h) {
      S.renderedH = item.h;
      const current = $('kraepelin-sheet').querySelector('.kp-cell[data-h="' + item.h + '"]');
      if (current && current.scrollIntoView) current.scrollIntoView({ block: 'nearest' });
    }
  }

  function renderKraepelinCells() {
    for (const b of $('kraepelin-sheet').querySelectorAll('.kp-cell')) {
      const h = Number(b.dataset.h);
      const cell = S.exam ? S.exam.byH.get(h) : null;
      if (!cell) continue;
      const a = S.answers.get(h);
      const written = a && a.choice != null ? String(a.choice) : '';
      if (b.dataset.written !== written) {
        b.dataset.written = written;
        b.textContent = written;
      }
      const current = h === S.current;
      b.dataset.current = current ? 'true' : 'false';
      if (current) b.setAttribute('aria-current', 'step'); else b.removeAttribute('aria-current');
      const k = cell.kraepelin;
      b.setAttribute('aria-label', written ? t('candidate.kraepelin.cell_written', { upper: k.upper, lower: k.lower, digit: written })
        : t('candidate.kraepelin.cell', { upper: k.upper, lower: k.lower }));
      b.disabled = !isOpen(h);
    }
  }

  /** Write a digit in the current cell, then go down to the next cell of the column. */
  function writeDigit(d) {
    const item = currentItem();
    if (!isKraepelin(item) || !canAnswer()) return;
    choose(d);
    kraepelinStep(1);
  }

  function kraepelinStep(delta) {
    const item = currentItem();
    const next = item ? S.exam.items[item.index + delta] : null;
    if (!next || !isKraepelin(next) || !isOpen(next.h)) return;
    // No `navigate` per cell: a written digit already tells where the candidate is.
    S.current = next.h;
    renderExam();
  }

  function renderPart() {
    const el = $('part-indicator');
    const g = S.group;
    el.dataset.index = g ? String(g.index) : '';
    el.dataset.count = g ? String(g.count) : '';
    el.dataset.code = g ? g.code : '';
    const multi = multiPart();
    setText(el, multi ? t('candidate.part.indicator', { n: g.index + 1, count: g.count }) : '');
    el.hidden = !multi;
    setText($('timer-label'), t(multi ? 'candidate.exam.remaining_part' : 'candidate.exam.remaining'));
  }

  function renderAnswerState() {
    const item = currentItem();
    if (!item) return;
    if (isKraepelin(item)) { renderKraepelinCells(); renderControls(); return; }
    const a = S.answers.get(item.h) || { choice: null, marked: false };
    for (const b of $('options').querySelectorAll('.option')) {
      const sel = Number(b.dataset.index) === a.choice;
      b.classList.toggle('selected', sel);
      b.dataset.selected = sel ? 'true' : 'false';
      b.setAttribute('aria-pressed', sel ? 'true' : 'false');
    }
    const st = $('answer-status');
    const parts = [a.choice != null ? t('candidate.exam.your_answer', { letter: LETTERS[a.choice] || a.choice + 1 })
      : t('candidate.exam.no_answer')];
    if (a.marked) parts.push(t('candidate.exam.marked_note'));
    st.textContent = parts.join(' · ');
    st.dataset.answered = a.choice != null ? 'true' : 'false';
    st.dataset.marked = a.marked ? 'true' : 'false';
    const mark = $('btn-mark');
    mark.setAttribute('aria-pressed', a.marked ? 'true' : 'false');
    mark.classList.toggle('active', a.marked);
    renderGrid();
    renderControls();
  }

  function renderGrid() {
    if (!S.exam) return;
    for (const wrap of $('grid').querySelectorAll('.grid-section')) {
      const part = partOf(Number(wrap.dataset.firstH)); // a section lies inside one part
      if (wrap.dataset.part === part) continue;
      wrap.dataset.part = part;
      setText(wrap.querySelector('.grid-section-status'), part === 'closed' ? t('candidate.grid.section_closed')
        : part === 'future' ? t('candidate.grid.section_future') : '');
    }
    for (const cell of $('grid').querySelectorAll('.cell')) {
      const h = Number(cell.dataset.h);
      const it = S.exam.byH.get(h);
      const a = S.answers.get(h);
      const answered = !!a && a.choice != null;
      const marked = !!a && a.marked;
      const state = marked ? 'marked' : answered ? 'answered' : 'unanswered';
      const n = it ? it.index + 1 : h + 1;
      const current = h === S.current;
      const part = partOf(h);
      if (cell.dataset.state !== state || cell.dataset.answered !== String(answered) || cell.dataset.part !== part) {
        cell.dataset.state = state;
        cell.dataset.answered = answered ? 'true' : 'false';
        cell.dataset.part = part;
        cell.dataset.locked = part === 'open' ? 'false' : 'true';
        let sym;
        let label;
        if (part === 'open') {
          sym = marked ? t('candidate.grid.symbol.marked') + (answered ? t('candidate.grid.symbol.answered') : '')
            : answered ? t('candidate.grid.symbol.answered') : t('candidate.grid.symbol.unanswered');
          const labelKey = marked
            ? (answered ? 'candidate.grid.cell_marked_answered' : 'candidate.grid.cell_marked_unanswered')
            : answered ? 'candidate.grid.cell_answered' : 'candidate.grid.cell_unanswered';
          label = t(labelKey, { n: n });
          cell.removeAttribute('aria-disabled');
          cell.removeAttribute('title');
        } else {
          // Another timed part: locked, said in words (label, tooltip) and by a symbol, not by colour.
          const closed = part === 'closed';
          sym = t(closed ? 'candidate.grid.symbol.closed' : 'candidate.grid.symbol.future');
          label = t(closed ? 'candidate.grid.cell_closed' : 'candidate.grid.cell_future', { n: n });
          cell.setAttribute('aria-disabled', 'true');
          cell.title = label;
        }
        cell.querySelector('.cell-symbol').textContent = sym;
        cell.setAttribute('aria-label', label);
      }
      cell.dataset.current = current ? 'true' : 'false';
      cell.classList.toggle('current', current);
      if (current) cell.setAttribute('aria-current', 'step');
      else cell.removeAttribute('aria-current');
    }
    const c = counts();
    setText($('count-answered'), c.answered);
    setText($('count-unanswered'), c.unanswered);
    setText($('count-marked'), c.marked);
    setText($('count-closed'), c.closed);
    setText($('count-future'), c.future);
    show($('legend').querySelector('li[data-state="closed"]'), c.closed > 0);
    show($('legend').querySelector('li[data-state="future"]'), c.future > 0);
  }

  function renderControls() {
    const item = currentItem();
    const can = canAnswer();
    const a = item ? S.answers.get(item.h) : null;
    for (const b of $('options').querySelectorAll('.option')) b.disabled = !can;
    $('btn-mark').disabled = !can;
    $('btn-clear').disabled = !can || !a || a.choice == null;
    $('btn-finish').disabled = !can || isKraepelin(item); // a column ends when the server moves on
  }

  function renderExamStatus() {
    const ex = $('exam');
    ex.dataset.status = S.status || '';
    ex.dataset.timeUp = S.timeUp ? 'true' : 'false';
    show($('paused-banner'), S.status === 'paused');
    const partOnly = multiPart() && !isLastPart();
    setText($('timeup-banner'), t(isKraepelin(currentItem()) && partOnly ? 'candidate.kraepelin.time_up'
      : partOnly ? 'candidate.timer.part_up_wait' : 'candidate.timer.up_wait'));
    show($('timeup-banner'), S.timeUp && !S.ended);
    setText($('finishing-banner'), partOnly ? t('candidate.finish.part_sending', { n: S.group.index + 1 })
      : t('candidate.finish.sending'));
    show($('finishing-banner'), finishing());
    renderControls();
  }

  function renderResult() {
    const r = S.result;
    const res = $('result');
    res.dataset.reason = S.endReason || '';
    setText($('result-candidate'), S.number ? t('candidate.result.candidate', { number: S.number }) : '');
    const reasonKey = 'candidate.ended.' + S.endReason;
    setText($('result-reason'), S.endReason && hasMessage(reasonKey) ? t(reasonKey) : '');
    const valid = r && typeof r === 'object' && Array.isArray(r.sections);
    show($('result-scores'), !!valid);
    if (!valid) {
      setText($('result-title'), t('candidate.result.finished'));
      res.dataset.passed = '';
      return;
    }
    setText($('result-title'), t('candidate.result.title'));
    const tbody = $('result-sections');
    tbody.replaceChildren();
    let maxSum = 0;
    let maxKnown = true;
    let counted = 0; // sections that add into the total
    for (const s of r.sections) {
      if (!s || typeof s !== 'object') continue;
      const tr = document.createElement('tr');
      tr.dataset.code = String(s.code || '');
      const name = document.createElement('th');
      name.scope = 'row';
      name.textContent = localized(s.name, '') || sectionName(s.code);
      const score = document.createElement('td');
      score.className = 'num score';
      score.textContent = s.score == null ? '—' : String(s.score);
      const max = document.createElement('td');
      max.className = 'num';
      max.textContent = s.max == null ? '—' : String(s.max);
      const apart = s.in_total === false; // a profile (Likert, Kraepelin): not points of the total
      if (apart) max.title = t('candidate.result.apart');
      else if (isNum(s.max)) { maxSum += s.max; counted += 1; } else maxKnown = false;
      const thr = document.createElement('td');
      thr.className = 'num';
      const hasThr = isNum(s.threshold);
      thr.textContent = hasThr ? String(s.threshold) : t('candidate.result.no_threshold');
      const mark = document.createElement('td');
      mark.className = 'mark';
      let passed = '';
      if (typeof s.passed === 'boolean') passed = s.passed ? 'true' : 'false';
      else if (hasThr && isNum(s.score)) passed = s.score >= s.threshold ? 'true' : 'false';
      tr.dataset.passed = passed;
      mark.textContent = passed === 'true' ? t('candidate.result.section_pass')
        : passed === 'false' ? t('candidate.result.section_fail') : t('candidate.result.no_threshold');
      tr.append(name, score, max, thr, mark);
      tbody.append(tr);
      if (apart) {
        const detail = resultDetail(s);
        if (detail) tbody.append(detail);
      }
    }
    const total = $('result-total');
    total.textContent = r.total == null ? '—' : String(r.total);
    total.dataset.total = r.total == null ? '' : String(r.total);
    setText($('result-total-max'), maxKnown && counted ? String(maxSum) : '');
    const overall = $('result-overall');
    const passed = typeof r.passed === 'boolean' ? String(r.passed) : '';
    overall.dataset.passed = passed;
    res.dataset.passed = passed;
    setText(overall, passed === 'true' ? t('candidate.result.passed') : passed === 'false' ? t('candidate.result.failed') : '');
    const reasons = Array.isArray(r.reasons) ? r.reasons : [];
    const list = $('result-reasons');
    list.replaceChildren();
    for (const reason of reasons) {
      const li = document.createElement('li');
      li.textContent = reasonText(reason);
      list.append(li);
    }
    show($('result-reasons-box'), reasons.length > 0);
  }

  /** The row under a section apart: Kraepelin metrics, or the trait profile of an inventory. */
  function resultDetail(s) {
    const list = document.createElement('ul');
    const metrics = s.metrics && typeof s.metrics === 'object' ? s.metrics : null;
    if (metrics) {
      for (const name of Object.keys(metrics)) {
        const li = document.createElement('li');
        li.dataset.metric = name;
        const key = 'candidate.result.metric.' + name;
        li.textContent = (hasMessage(key) ? t(key) : name) + ': ' + (metrics[name] == null ? '—' : String(metrics[name]));
        list.append(li);
      }
    }
    const traits = s.traits && typeof s.traits === 'object' ? s.traits : {};
    for (const trait of Object.keys(traits)) {
      const values = traits[trait] && typeof traits[trait] === 'object' ? traits[trait] : {};
      const li = document.createElement('li');
      li.dataset.trait = trait;
      li.textContent = trait + ': ' + Object.keys(values).map((m) => {
        const key = 'candidate.result.trait.' + m;
        return (hasMessage(key) ? t(key) : m) + ' ' + (values[m] == null ? '—' : String(values[m]));
      }).join(' · ');
      list.append(li);
    }
    if (!list.children.length) return null;
    const tr = document.createElement('tr');
    tr.className = 'result-detail';
    tr.dataset.detailOf = String(s.code || ''); // not data-code: tr[data-code] stays one row per section
    const td = document.createElement('td');
    td.colSpan = 5;
    td.append(list);
    tr.append(td);
    return tr;
  }

  function reasonText(reason) {
    if (typeof reason === 'string') {
      const key = 'candidate.result.reason.' + reason;
      return hasMessage(key) ? t(key) : reason;
    }
    if (reason && typeof reason === 'object') {
      const key = 'candidate.result.reason.' + reason.code;
      if (reason.code && hasMessage(key)) return t(key, reason);
      return localized(reason.message, reason.code || '');
    }
    return String(reason);
  }

  // ---------------------------------------------------------------- input wiring
  function onKeyDown(e) {
    if (e.ctrlKey || e.altKey || e.metaKey) return;
    if (S.modalOpen) {
      if (e.key === 'Escape') { e.preventDefault(); closeFinishModal(); return; }
      if (e.key === 'Tab') trapFocus(e);
      return;
    }
    if (body.dataset.screen !== 'exam' || !S.exam) return;
    const tag = e.target && e.target.tagName;
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return;
    const key = e.key;
    if (key === 'ArrowLeft') { e.preventDefault(); step(-1); return; }
    if (key === 'ArrowRight') { e.preventDefault(); step(1); return; }
    if (isKraepelin(currentItem())) {
      if (key === 'ArrowUp') { e.preventDefault(); kraepelinStep(-1); return; }
      if (key === 'ArrowDown') { e.preventDefault(); kraepelinStep(1); return; }
      if (key === 'Backspace') { e.preventDefault(); clearAnswer(); return; }
      if (DIGITS.indexOf(key) >= 0 && !e.repeat) { e.preventDefault(); writeDigit(Number(key)); }
      return;
    }
    if (e.repeat || typeof key !== 'string' || key.length !== 1) return;
    const k = key.toLowerCase();
    const idx = KEY_OPTIONS.indexOf(k);
    if (idx >= 0) {
      const item = currentItem();
      if (item && idx < item.options.length) { e.preventDefault(); choose(idx); }
      return;
    }
    if (k === 'r') { e.preventDefault(); toggleMark(); }
  }

  function trapFocus(e) {
    const focusables = Array.from($('finish-modal').querySelectorAll('button:not([disabled])'));
    if (!focusables.length) return;
    const first = focusables[0];
    const last = focusables[focusables.length - 1];
    if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
    else if (focusables.indexOf(document.activeElement) < 0) { e.preventDefault(); first.focus(); }
  }

  function wire() {
    $('login-form').addEventListener('submit', submitLogin);
    $('text-smaller').addEventListener('click', () => changeTextSize(-1));
    $('text-larger').addEventListener('click', () => changeTextSize(1));
    $('contrast-toggle').addEventListener('click', toggleContrast);
    $('notice-close').addEventListener('click', hideNotice);
    $('btn-prev').addEventListener('click', () => step(-1));
    $('btn-next').addEventListener('click', () => step(1));
    $('btn-mark').addEventListener('click', toggleMark);
    $('btn-clear').addEventListener('click', clearAnswer);
    $('btn-finish').addEventListener('click', openFinishModal);
    $('confirm-finish').addEventListener('click', confirmFinish);
    $('cancel-finish').addEventListener('click', closeFinishModal);
    $('finish-modal').addEventListener('click', (e) => { if (e.target === $('finish-modal')) closeFinishModal(); });
    $('btn-logout').addEventListener('click', logout);
    $('blocked-login').addEventListener('click', leaveBlocked);
    document.addEventListener('keydown', onKeyDown);
    // Back online (or back from sleep): check the clock and resend now rather than later.
    window.addEventListener('online', () => { if (S.socket && !S.socket.connected) S.socket.connect(); });
    document.addEventListener('visibilitychange', () => { if (!document.hidden) doSync(); });
    // Focus lost, page hidden, fullscreen left: the proctor sees a flag at once.
    window.addEventListener('blur', () => reportFocus('blur'));
    document.addEventListener('visibilitychange', () => { if (document.hidden) reportFocus('hidden'); });
    document.addEventListener('fullscreenchange', () => { if (!document.fullscreenElement) reportFocus('fullscreen_exit'); });
  }

  /** Tell the server (no outbox: a report lost while offline is not worth resending). */
  function reportFocus(kind) {
    if (body.dataset.screen !== 'exam' || S.ended || !S.socket || !S.socket.connected) return;
    S.socket.emit('focus', { kind: kind });
  }

  // ---------------------------------------------------------------- boot
  function boot() {
    applyTextSize(currentTextSize());
    applyContrast(lsGet(STORE.contrast) === '1');
    wire();
    terminalId();
    setInterval(tick, 250);
    if (loadSession()) startSession(S.token, S.number);
    else showLogin(null);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
})();
