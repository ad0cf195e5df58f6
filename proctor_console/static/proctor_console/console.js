/*
 * exam-engine proctor console. Plain JS, no build step; text from the `proctor.` catalogue keys.
 * Shared staff-page helpers (catalogue, fetch, notice, login form) come from staff.js (window.Staff).
 *
 * Data: GET /staff/api/me (401: log in), POST /staff/api/login, GET /staff/api/sessions;
 * the /proctor Socket.IO namespace: `join` {session} -> snapshot ack, then `progress`
 * (changed rows, coalesced by the server) and `flag` events; actions go to
 * POST /proctor/api/sessions/<code>/actions {action, candidates, reason[, minutes]}.
 *
 * Automation hooks (stable; tests rely on them):
 *   body[data-screen]   boot | login | picker | room
 *   Login   #staff-login-username, #staff-login-password, #staff-login-submit,
 *           #staff-login-error[data-code]
 *   Picker  #session-picker button.session-option[data-code]
 *   Room    #room[data-session], #connection[data-state=online|offline], #sort, #flag-filter,
 *           .room-action[data-action=pause|resume|start_session]  (pause/resume: everyone)
 *           #grid .candidate-card[data-number][data-status][data-connected][data-flags][hidden]
 *             [data-field=number|name|status|connected|position|answered|marked|remaining|
 *                         since_answer|score]  (status/connected also carry data-value;
 *                         remaining carries data-remaining-ms, counting down locally)
 *             .flag[data-kind][data-id]
 *             .card-action[data-action=pause|resume|add_time|allow_move|end_attempt]
 *   Dialog  #action-dialog[data-action][data-target] (hidden unless open), #action-reason,
 *           #action-error[data-code], #action-confirm, #action-cancel
 *   Always  #notice[data-code]  (an action's outcome)
 */
(function () {
  'use strict';

  const ADD_MINUTES = 5;
  const TICK_MS = 250;
  const CARD_ACTIONS = ['pause', 'resume', 'add_time', 'allow_move', 'end_attempt'];
  const FLAG_KINDS = ['focus_lost', 'page_hidden', 'fullscreen_exit', 'second_login', 'terminal_change',
    'ip_change', 'move_approved'];
  const FIELDS = [
    ['status', null], ['connected', null], ['position', 'proctor.card.position'],
    ['answered', 'proctor.card.answered'], ['marked', 'proctor.card.marked'],
    ['remaining', 'proctor.card.remaining'], ['since_answer', 'proctor.card.since_answer'],
    ['score', 'proctor.card.score'],
  ];

  const { $, setText, show, el, formError: showFormError } = window.Staff;
  const body = document.body;
  const BASE = (body.dataset.base || '').replace(/\/+$/, '');
  const I18N = Staff.catalogue(Staff.readJsonIsland('messages'));
  const { t, has: hasMessage } = I18N;
  const errorText = Staff.errorText(I18N, 'proctor');
  const api = Staff.apiClient(BASE);

  const S = {
    user: null,
    session: null,        // the session summary being watched
    socket: null,
    rows: new Map(),      // number -> {row, at (performance.now() of the row), card}
    dialog: null,         // {action, targets, label}
    sending: false,
  };

  // ---------------------------------------------------------------- helpers (the rest: staff.js)
  function flagLabel(kind) {
    const key = 'proctor.flag.kind.' + kind;
    return hasMessage(key) ? t(key) : String(kind);
  }

  function clockTime(iso) {
    const d = new Date(iso);
    if (isNaN(d.getTime())) return String(iso || '');
    const p = (n) => String(n).padStart(2, '0');
    return p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds());
  }

  function formatDuration(ms) {
    const total = Math.max(0, Math.ceil(ms / 1000));
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    const p = (n) => String(n).padStart(2, '0');
    return h > 0 ? h + ':' + p(m) + ':' + p(s) : p(m) + ':' + p(s);
  }

  // ---------------------------------------------------------------- notices
  const showNotice = Staff.notice;
  const hideNotice = Staff.hideNotice;

  // ---------------------------------------------------------------- screens
  const SCREENS = ['login', 'picker', 'room'];
  function showScreen(name) {
    for (const s of SCREENS) show($(s), s === name);
    body.dataset.screen = name;
    show($('connection'), name === 'room');
    show($('staff-logout'), name !== 'login');
    if (name === 'login') setText($('user-name'), '');
  }

  function loginExpired() {
    leaveRoom();
    S.user = null;
    showLogin();
    showFormError('staff-login-error', 'login_required', errorText('login_required'));
  }

  // ---------------------------------------------------------------- login
  function showLogin() {
    showFormError('staff-login-error', '', '');
    $('staff-login-password').value = '';
    showScreen('login');
    const u = $('staff-login-username');
    (u.value ? $('staff-login-password') : u).focus();
  }

  const submitLogin = Staff.loginHandler({
    i18n: I18N, prefix: 'proctor', api: api, errorText: errorText, signedIn: signedIn, clearPassword: true,
  });

  async function logout() {
    leaveRoom();
    await api('POST', '/staff/api/logout', {});
    S.user = null;
    showLogin();
  }

  function signedIn(user) {
    S.user = user;
    const role = hasMessage('proctor.role.' + user.role) ? t('proctor.role.' + user.role) : user.role;
    setText($('user-name'), t('proctor.user.signed_in', { name: user.name || user.username, role: role }));
    const canAct = user.role !== 'committee';
    body.dataset.canAct = canAct ? 'true' : 'false';
    showPicker();
  }

  // ---------------------------------------------------------------- session picker
  async function showPicker() {
    leaveRoom();
    showScreen('picker');
    const list = $('session-picker');
    list.replaceChildren();
    show($('picker-empty'), false);
    showFormError('picker-error', '', '');
    const r = await api('GET', '/staff/api/sessions');
    if (!r.ok) {
      if (r.status === 401) { loginExpired(); return; }
      showFormError('picker-error', r.code, errorText(r.code, r.message));
      return;
    }
    const sessions = (r.data && r.data.sessions) || [];
    show($('picker-empty'), sessions.length === 0);
    for (const s of sessions) {
      const li = el('li');
      const b = el('button', 'session-option');
      b.type = 'button';
      b.dataset.code = s.code;
      const statusKey = 'proctor.session.status.' + s.status;
      b.append(el('strong', 'session-code', s.code), el('span', 'session-detail', t('proctor.picker.detail', {
        exam: (s.exam && s.exam.title) || '', room: s.room || '', date: s.date || '', time: s.start_time || '',
        timezone: s.timezone || '', count: s.candidates, status: hasMessage(statusKey) ? t(statusKey) : s.status,
      })));
      b.addEventListener('click', () => openRoom(s));
      li.append(b);
      list.append(li);
    }
    const wanted = new URLSearchParams(location.search).get('session');
    const match = sessions.find((s) => s.code === wanted);
    if (match) openRoom(match);
  }

  // ---------------------------------------------------------------- the room
  function openRoom(summary) {
    leaveRoom();
    S.session = summary;
    $('room').dataset.session = summary.code;
    setText($('room-title'), t('proctor.room.title', { code: summary.code, exam: (summary.exam && summary.exam.title) || '' }));
    S.rows.clear();
    $('grid').replaceChildren();
    renderCount();
    showScreen('room');
    const url = new URL(location.href);
    url.searchParams.set('session', summary.code);
    history.replaceState(null, '', url.toString());
    connect();
  }

  function leaveRoom() {
    if (S.socket) {
      const sock = S.socket;
      S.socket = null;
      sock.off();
      sock.disconnect();
    }
    S.session = null;
    closeDialog();
    renderConnection(false);
  }

  function renderConnection(online) {
    const c = $('connection');
    c.dataset.state = online ? 'online' : 'offline';
    setText($('connection-text'), t(online ? 'proctor.room.online' : 'proctor.room.offline'));
  }

  function connect() {
    if (typeof window.io !== 'function') {
      showNotice(t('proctor.error.client_missing'), 'client_missing');
      return;
    }
    const code = S.session.code;
    const sock = window.io('/proctor', {
      path: BASE + '/socket.io',
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      reconnection: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 8000,
      timeout: 15000,
    });
    S.socket = sock;
    const current = () => S.socket === sock;
    sock.on('connect', () => {
      if (!current()) return;
      renderConnection(true);
      // Every (re)connection joins again: the ack is a full snapshot, nothing is missed.
      sock.emit('join', { session: code }, (ack) => {
        if (!current()) return;
        if (!ack || !ack.ok) {
          const err = (ack && ack.error) || {};
          if (err.code === 'login_required') { loginExpired(); return; }
          showNotice(errorText(err.code, err.message), err.code || 'join');
          return;
        }
        applyRows(ack.candidates || [], true);
      });
    });
    sock.on('disconnect', () => { if (current()) renderConnection(false); });
    sock.on('connect_error', (err) => {
      if (!current()) return;
      renderConnection(false);
      const d = err && err.data;
      if (d && d.code === 'login_required') loginExpired();
    });
    sock.on('progress', (e) => {
      if (!current() || !e || e.session !== code) return;
      applyRows(e.candidates || [], false);
    });
    sock.on('flag', (f) => {
      if (!current() || !f) return;
      const entry = S.rows.get(f.number);
      if (!entry) return;
      const flags = entry.row.flags || (entry.row.flags = []);
      if (flags.some((x) => x.id === f.id)) return;
      flags.push(f);
      renderCard(entry);
      ensureFilterOption(f.kind);
      layout();
    });
  }

  /** Rows by candidate number; a snapshot replaces everything, progress updates its rows. */
  function applyRows(rows, snapshot) {
    const now = performance.now();
    if (snapshot) {
      const keep = new Set(rows.map((r) => r.number));
      for (const [number, entry] of S.rows) {
        if (!keep.has(number)) { entry.card.remove(); S.rows.delete(number); }
      }
    }
    for (const row of rows) {
      let entry = S.rows.get(row.number);
      if (!entry) {
        entry = { row: row, at: now, card: buildCard(row.number) };
        S.rows.set(row.number, entry);
        $('grid').append(entry.card);
      }
      entry.row = row;
      entry.at = now;
      for (const f of row.flags || []) ensureFilterOption(f.kind);
      renderCard(entry);
    }
    layout();
  }

  function buildCard(number) {
    const card = el('article', 'candidate-card');
    card.dataset.number = number;
    const head = el('header', 'card-head');
    const num = el('span', 'card-number', number);
    num.dataset.field = 'number';
    const name = el('span', 'card-name');
    name.dataset.field = 'name';
    head.append(num, name);
    const dl = el('dl', 'card-fields');
    for (const [field, label] of FIELDS) {
      const wrap = el('div', 'card-field card-field-' + field);
      if (label) wrap.append(el('dt', null, t(label)));
      const dd = el('dd');
      dd.dataset.field = field;
      wrap.append(dd);
      dl.append(wrap);
    }
    const flags = el('div', 'card-flags');
    const actions = el('div', 'card-actions actions');
    actions.setAttribute('role', 'group');
    actions.setAttribute('aria-label', t('proctor.card.actions', { number: number }));
    for (const action of CARD_ACTIONS) {
      const b = el('button', 'card-action', t('proctor.action.' + action));
      b.type = 'button';
      b.dataset.action = action;
      b.addEventListener('click', () => openDialog(action, [number], 'proctor.action.' + action));
      actions.append(b);
    }
    card.append(head, dl, flags, actions);
    return card;
  }

  function field(card, name) { return card.querySelector('[data-field="' + name + '"]'); }

  function renderCard(entry) {
    const { row, card } = entry;
    const none = t('proctor.card.none');
    card.dataset.status = row.status;
    card.dataset.connected = row.connected ? 'true' : 'false';
    card.dataset.flags = String((row.flags || []).length);
    setText(field(card, 'name'), row.name || '');
    const status = field(card, 'status');
    status.dataset.value = row.status;
    setText(status, hasMessage('proctor.status.' + row.status) ? t('proctor.status.' + row.status) : row.status);
    const conn = field(card, 'connected');
    conn.dataset.value = row.connected ? 'true' : 'false';
    setText(conn, t(row.connected ? 'proctor.connected.true' : 'proctor.connected.false'));
    setText(field(card, 'position'), row.position == null ? none : String(row.position + 1));
    setText(field(card, 'answered'), String(row.answered));
    setText(field(card, 'marked'), String(row.marked));
    setText(field(card, 'score'), row.score == null ? none : String(Math.round(row.score * 100) / 100));
    card.querySelector('.card-field-score').hidden = row.score == null;
    renderClock(entry, performance.now());
    const box = card.querySelector('.card-flags');
    const shown = Array.from(box.children).map((b) => b.dataset.id).join(',');
    const flags = row.flags || [];
    if (shown !== flags.map((f) => String(f.id)).join(',')) {
      box.replaceChildren();
      for (const f of flags) {
        const b = el('span', 'flag', flagLabel(f.kind) + ' ' + clockTime(f.at));
        b.dataset.kind = f.kind;
        b.dataset.id = String(f.id);
        const evidence = f.evidence && typeof f.evidence === 'object'
          ? Object.keys(f.evidence).map((k) => k + ': ' + f.evidence[k]).join(', ') : '';
        b.title = t('proctor.flag.title', { kind: flagLabel(f.kind), time: clockTime(f.at) }) + (evidence ? ' — ' + evidence : '');
        box.append(b);
      }
    }
    const can = {
      pause: row.status === 'active',
      resume: row.status === 'paused',
      add_time: row.status === 'active' || row.status === 'paused' || row.status === 'waiting',
      allow_move: row.status !== 'absent' && row.status !== 'finished',
      end_attempt: row.status !== 'absent' && row.status !== 'finished',
    };
    for (const b of card.querySelectorAll('.card-action')) b.disabled = !can[b.dataset.action];
  }

  /** The remaining time counts down locally from the row, re-synced by every progress. */
  function remainingNow(entry, now) {
    const r = entry.row.remaining;
    if (r == null) return null;
    return entry.row.status === 'active' ? Math.max(0, r - (now - entry.at)) : r;
  }

  function renderClock(entry, now) {
    const { row, card } = entry;
    const rem = field(card, 'remaining');
    const ms = remainingNow(entry, now);
    rem.dataset.remainingMs = ms == null ? '' : String(Math.round(ms));
    setText(rem, ms == null ? t('proctor.card.none') : formatDuration(ms));
    card.dataset.lowTime = ms != null && ms < 5 * 60000 && row.status === 'active' ? 'true' : 'false';
    const since = field(card, 'since_answer');
    if (row.since_answer == null) {
      setText(since, t('proctor.card.none'));
    } else {
      const grows = row.status === 'active' || row.status === 'paused' || row.status === 'waiting';
      const secs = row.since_answer + (grows ? (now - entry.at) / 1000 : 0);
      setText(since, t('proctor.card.since_value', { seconds: Math.floor(secs) }));
    }
  }

  function tick() {
    if (!S.session) return;
    const now = performance.now();
    for (const entry of S.rows.values()) renderClock(entry, now);
  }

  // ---------------------------------------------------------------- sorting and filtering
  function ensureFilterOption(kind) {
    const sel = $('flag-filter');
    if (!kind || sel.querySelector('option[value="' + CSS.escape(kind) + '"]')) return;
    const o = el('option', null, flagLabel(kind));
    o.value = kind;
    sel.append(o);
  }

  function matches(entry, filter) {
    if (!filter) return true;
    const flags = entry.row.flags || [];
    return filter === '*' ? flags.length > 0 : flags.some((f) => f.kind === filter);
  }

  function layout() {
    const sort = $('sort').value;
    const filter = $('flag-filter').value;
    const now = performance.now();
    const byNumber = (a, b) => (a.row.number < b.row.number ? -1 : a.row.number > b.row.number ? 1 : 0);
    const key = {
      number: () => 0,
      answered: (e) => -e.row.answered,
      remaining: (e) => { const r = remainingNow(e, now); return r == null ? Infinity : r; },
      flags: (e) => -(e.row.flags || []).length,
    }[sort] || (() => 0);
    const entries = Array.from(S.rows.values());
    entries.sort((a, b) => (key(a) - key(b)) || byNumber(a, b));
    const grid = $('grid');
    const order = entries.map((e) => e.card);
    const same = order.length === grid.children.length && order.every((c, i) => grid.children[i] === c);
    if (!same) grid.append(...order); // moves the existing cards; nothing is rebuilt
    let shown = 0;
    for (const e of entries) {
      const visible = matches(e, filter);
      e.card.hidden = !visible;
      if (visible) shown += 1;
    }
    show($('grid-empty'), S.rows.size > 0 && shown === 0);
    renderCount(shown);
  }

  function renderCount(shown) {
    setText($('room-count'), t('proctor.room.count', { shown: shown == null ? S.rows.size : shown, total: S.rows.size }));
  }

  // ---------------------------------------------------------------- actions
  function openDialog(action, targets, labelKey) {
    if (!S.session) return;
    S.dialog = { action: action, targets: targets, label: t(labelKey) };
    const d = $('action-dialog');
    d.dataset.action = action;
    d.dataset.target = targets === 'all' ? 'all' : targets.join(',');
    setText($('action-title'), targets === 'all' ? t('proctor.dialog.room', { action: S.dialog.label })
      : t('proctor.dialog.candidate', { action: S.dialog.label, number: targets.join(', ') }));
    $('action-reason').value = '';
    showFormError('action-error', '', '');
    setSending(false);
    show(d, true);
    $('action-reason').focus();
  }

  function closeDialog() {
    S.dialog = null;
    show($('action-dialog'), false);
  }

  function setSending(sending) {
    S.sending = sending;
    const b = $('action-confirm');
    b.disabled = sending;
    setText(b, t(sending ? 'proctor.dialog.sending' : 'proctor.dialog.confirm'));
  }

  async function confirmAction(ev) {
    ev.preventDefault();
    if (!S.dialog || S.sending || !S.session) return;
    const reason = $('action-reason').value.trim();
    if (!reason) {
      showFormError('action-error', 'reason_required', t('proctor.error.reason_required'));
      $('action-reason').focus();
      return;
    }
    const { action, targets, label } = S.dialog;
    const payload = { action: action, candidates: targets, reason: reason };
    if (action === 'add_time') payload.minutes = ADD_MINUTES;
    setSending(true);
    const r = await api('POST', '/proctor/api/sessions/' + encodeURIComponent(S.session.code) + '/actions', payload);
    setSending(false);
    if (!r.ok) {
      if (r.status === 401) { loginExpired(); return; }
      showFormError('action-error', r.code, errorText(r.code, r.message));
      return;
    }
    closeDialog();
    const applied = (r.data && r.data.applied) || [];
    showNotice(applied.length ? t('proctor.result.applied', { action: label, count: applied.length })
      : t('proctor.result.none', { action: label }), 'ok');
  }

  // ---------------------------------------------------------------- wiring and boot
  function wire() {
    $('staff-login-form').addEventListener('submit', submitLogin);
    $('staff-logout').addEventListener('click', logout);
    $('notice-close').addEventListener('click', hideNotice);
    $('room-change').addEventListener('click', () => {
      const url = new URL(location.href);
      url.searchParams.delete('session');
      history.replaceState(null, '', url.toString());
      showPicker();
    });
    $('sort').addEventListener('change', layout);
    $('flag-filter').addEventListener('change', layout);
    for (const b of document.querySelectorAll('.room-action')) {
      b.addEventListener('click', () => openDialog(b.dataset.action, 'all', b.dataset.label));
    }
    $('action-form').addEventListener('submit', confirmAction);
    $('action-cancel').addEventListener('click', closeDialog);
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && S.dialog && !S.sending) closeDialog();
    });
    // The language link keeps the session being watched.
    $('lang-switch').addEventListener('click', (e) => {
      const url = new URL(location.href);
      url.searchParams.set('lang', body.dataset.otherLang || 'id');
      e.preventDefault();
      location.href = url.toString();
    });
  }

  async function boot() {
    wire();
    for (const kind of FLAG_KINDS) ensureFilterOption(kind);
    setInterval(tick, TICK_MS);
    const r = await api('GET', '/staff/api/me');
    if (r.ok && r.data && r.data.user) signedIn(r.data.user);
    else showLogin();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
})();
