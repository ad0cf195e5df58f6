/* exam-engine venue scoreboard: keeps the server-rendered table live over /scoreboard.
   Rows carry a candidate number, status, section scores, total and pass/fail; nothing else. */
(function () {
  'use strict';

  const body = document.body;
  const BASE = body.dataset.base || '';
  const CODE = body.dataset.session;
  const data = JSON.parse(document.getElementById('board-data').textContent);
  const M = data.messages || {};
  const head = data.head;
  const rows = new Map(data.rows.map((r) => [r.number, r]));
  const tbody = document.getElementById('rows');
  const t = (key) => (key in M ? M[key] : key);

  function scoreText(value) {
    if (value === null || value === undefined) return '–';
    return Number.isInteger(value) ? String(value) : value.toFixed(1);
  }

  function sortKey(a, b) {
    const ta = a.total === null ? null : a.total;
    const tb = b.total === null ? null : b.total;
    if ((ta === null) !== (tb === null)) return ta === null ? 1 : -1;
    if (ta !== tb) return tb - ta;
    return a.number < b.number ? -1 : a.number > b.number ? 1 : 0;
  }

  function cell(tag, cls, text) {
    const el = document.createElement(tag);
    if (cls) el.className = cls;
    el.textContent = text;
    return el;
  }

  function verdict(row) {
    const span = document.createElement('span');
    if (row.passed === true || row.passed === false) {
      span.className = 'verdict ' + (row.passed ? 'passed' : 'failed');
      const mark = cell('span', '', row.passed ? '✔' : '✘');
      mark.setAttribute('aria-hidden', 'true');
      span.append(mark, ' ' + t(row.passed ? 'scoreboard.result.passed' : 'scoreboard.result.failed'));
    } else {
      span.className = 'verdict pending';
      let text = t('scoreboard.status.' + row.status);
      if (row.total !== null) text += ' · ' + t('scoreboard.result.provisional');
      span.textContent = text;
    }
    return span;
  }

  function render() {
    const sorted = Array.from(rows.values()).sort(sortKey);
    const frag = document.createDocumentFragment();
    sorted.forEach((row, i) => {
      const tr = document.createElement('tr');
      tr.dataset.number = row.number;
      tr.dataset.status = row.status;
      tr.dataset.final = row.final ? 'true' : 'false';
      tr.dataset.passed = row.passed === null ? '' : String(row.passed);
      tr.append(cell('td', 'rank', row.total === null ? '' : String(i + 1)));
      const num = cell('th', 'number', row.number);
      num.scope = 'row';
      tr.append(num);
      for (const s of head.sections) {
        const td = cell('td', 'score', scoreText(row.sections ? row.sections[s.code] : null));
        td.dataset.section = s.code;
        tr.append(td);
      }
      const total = cell('td', 'score total', scoreText(row.total));
      total.dataset.total = row.total === null ? '' : String(row.total);
      tr.append(total);
      const result = document.createElement('td');
      result.className = 'result';
      result.append(verdict(row));
      tr.append(result);
      frag.append(tr);
    });
    tbody.replaceChildren(frag);
    document.getElementById('empty').hidden = rows.size > 0;
    document.getElementById('updated').textContent =
      t('scoreboard.updated') + ' ' + new Date().toLocaleTimeString(body.dataset.lang === 'en' ? 'en-GB' : 'id-ID');
  }

  function setConnection(state) {
    const box = document.getElementById('connection');
    box.dataset.state = state;
    document.getElementById('connection-text').textContent = t(state === 'live' ? 'scoreboard.live' : 'scoreboard.offline');
  }

  function closed() {
    document.getElementById('closed').hidden = false;
    rows.clear();
    render();
  }

  if (typeof window.io !== 'function') return; // the table stays as rendered
  const sock = window.io('/scoreboard', {
    path: BASE + '/socket.io',
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    reconnection: true,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 8000,
  });
  sock.on('connect', () => {
    sock.emit('join', { session: CODE }, (reply) => {
      if (!reply || !reply.ok) {
        setConnection('offline');
        closed();
        sock.disconnect();
        return;
      }
      rows.clear();
      for (const r of reply.rows) rows.set(r.number, r);
      setConnection('live');
      render();
    });
  });
  sock.on('disconnect', () => setConnection('offline'));
  sock.on('scores', (msg) => {
    if (!msg || msg.session !== CODE) return;
    for (const r of msg.rows) rows.set(r.number, r);
    render();
  });
  sock.on('closed', () => {
    setConnection('offline');
    closed();
    sock.disconnect();
  });
})();
