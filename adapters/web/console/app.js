// hotdesk console. Plain JavaScript, no framework, served by hotdesk-web from its own binary.
// Every change on the board arrives on the event stream (Server-Sent Events); nothing polls.
'use strict';

const ROLES = ['viewer', 'agent', 'operator', 'admin'];
const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

const state = {
  identity: null,        // from GET /v1/session (display only; the server enforces)
  tenant: '',
  devices: new Map(),    // mac -> Device
  assoc: new Map(),      // host -> Association
  source: null,          // EventSource
  retryTimer: null,
  events: [],            // newest first
  guests: [],
};

// ---------------------------------------------------------------------------------- API calls

class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : `HTTP ${status}`);
    this.status = status;
    this.code = body && body.code;
    this.violations = [];
    this.reason = '';
    for (const d of (body && body.details) || []) {
      if (d['@type'] && d['@type'].endsWith('google.rpc.BadRequest')) this.violations = d.fieldViolations || [];
      if (d['@type'] && d['@type'].endsWith('google.rpc.ErrorInfo')) this.reason = d.reason || '';
    }
  }
}

async function api(method, path, body, headers = {}) {
  const init = { method, credentials: 'same-origin', headers: { 'X-Hotdesk-Csrf': '1', ...headers } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let json = null;
  if (text) { try { json = JSON.parse(text); } catch (e) { json = { message: text }; } }
  if (!res.ok) {
    if (res.status === 401 && state.identity) showSignIn('Your session ended: ' + (json && json.message || 'sign in again'));
    throw new ApiError(res.status, json);
  }
  return json || {};
}

const enc = encodeURIComponent;
const tpath = (rest) => `/v1/tenants/${enc(state.tenant)}${rest}`;

async function listAll(rest, key) {
  let out = [], token = '';
  do {
    const page = await api('GET', tpath(rest) + `?pageSize=1000${token ? '&pageToken=' + enc(token) : ''}`);
    out = out.concat(page[key] || []);
    token = page.nextPageToken || '';
  } while (token);
  return out;
}

// ---------------------------------------------------------------------------------- roles

// What the signed-in role may do. Unknown tokens (or none) show everything: the server decides.
function can(need) {
  const id = state.identity;
  if (!id || !id.decoded || !id.role) return true;
  return ROLES.indexOf(id.role) >= ROLES.indexOf(need);
}

function applyRoles() {
  for (const el of $$('[data-need]')) el.hidden = !can(el.dataset.need);
}

// ---------------------------------------------------------------------------------- messages

function say(text, error = false) {
  const live = $('#live');
  live.textContent = text;
  live.classList.toggle('error', error);
}

function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const today = new Date();
  const same = d.toDateString() === today.toDateString();
  return same ? d.toLocaleTimeString() : d.toLocaleString();
}

function fmtLeft(iso) {
  if (!iso) return '—';
  let s = Math.max(0, Math.round((new Date(iso) - Date.now()) / 1000));
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  return h ? `${h} h ${String(m).padStart(2, '0')} min` : `${m} min ${String(s).padStart(2, '0')} s`;
}

const short = (v, prefix) => (v || '').replace(prefix, '').toLowerCase().replace(/_/g, ' ');

function cell(tr, label, content, cls) {
  const td = document.createElement('td');
  td.dataset.label = label;
  if (cls) td.className = cls;
  if (content instanceof Node) td.appendChild(content); else td.textContent = content == null ? '' : content;
  tr.appendChild(td);
  return td;
}

function button(text, action, label, onClick, cls) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.dataset.action = action;
  if (label) b.setAttribute('aria-label', label);
  if (cls) b.className = cls;
  b.addEventListener('click', onClick);
  return b;
}

function badge(text, cls) {
  const s = document.createElement('span');
  s.className = 'badge ' + cls;
  s.textContent = text;
  return s;
}

// ---------------------------------------------------------------------------------- dialogs

function confirmAction(title, text, withReason = true) {
  const dlg = $('#confirm');
  $('#confirm-title').textContent = title;
  $('#confirm-text').textContent = text;
  $('#confirm-reason-box').hidden = !withReason;
  $('#confirm-reason').value = '';
  return new Promise((resolve) => {
    const done = (ok) => {
      dlg.removeEventListener('close', onClose);
      resolve(ok ? { reason: $('#confirm-reason').value.trim() } : null);
    };
    const onClose = () => done(dlg.returnValue === 'ok');
    dlg.addEventListener('close', onClose);
    $('#confirm-cancel').onclick = () => dlg.close('cancel');
    dlg.returnValue = '';
    dlg.showModal();
    (withReason ? $('#confirm-reason') : $('#confirm-cancel')).focus();
  });
}

for (const dlg of $$('dialog')) {
  for (const b of $$('button.close', dlg)) b.addEventListener('click', () => dlg.close());
}

// Shows the server's field violations next to their fields; returns true if any was placed.
function showFieldErrors(form, err, prefix) {
  for (const p of $$('.field-error', form)) p.textContent = '';
  for (const i of $$('[aria-invalid]', form)) i.removeAttribute('aria-invalid');
  let placed = false, first = null;
  for (const v of err.violations || []) {
    let f = v.field.replace(prefix, '');
    f = f.replace(/_([a-z])/g, (_, c) => c.toUpperCase());  // snake_case -> lowerCamelCase
    const top = f.split('.')[0];
    const p = $(`.field-error[data-field="${f}"]`, form) || $(`.field-error[data-field="${top}"]`, form);
    if (!p) continue;
    p.textContent = v.description;
    const input = $(`[name="${p.dataset.field}"]`, form);
    if (input) { input.setAttribute('aria-invalid', 'true'); first = first || input; }
    placed = true;
  }
  if (first) first.focus();
  const formError = $('.form-error', form);
  if (formError) formError.textContent = placed ? '' : err.message;
  return placed;
}

// ---------------------------------------------------------------------------------- board

function deviceByHost() {
  const m = new Map();
  for (const d of state.devices.values()) m.set(d.hotdeskExtension, d);
  return m;
}

function renderBoard() {
  const tbody = $('#board-table tbody');
  const q = $('#board-search').value.trim().toLowerCase();
  const filter = $('#board-filter').value;
  const rows = [];
  let occupied = 0;
  const devices = Array.from(state.devices.values())
    .sort((a, b) => (a.hotdeskExtension || '').localeCompare(b.hotdeskExtension || ''));
  for (const d of devices) {
    const a = state.assoc.get(d.hotdeskExtension);
    if (a) occupied++;
    if (filter === 'occupied' && !a) continue;
    if (filter === 'idle' && a) continue;
    const hay = [d.hotdeskExtension, d.mac, d.displayName, a && a.guest].join(' ').toLowerCase();
    if (q && !hay.includes(q)) continue;
    rows.push(boardRow(d, a));
  }
  tbody.replaceChildren(...rows);
  $('#board-empty').hidden = rows.length > 0;
  $('#count-devices').textContent = state.devices.size;
  $('#count-occupied').textContent = occupied;
  $('#count-idle').textContent = state.devices.size - occupied;

  const hosts = deviceByHost();
  const others = Array.from(state.assoc.values()).filter((a) => !hosts.has(a.host))
    .sort((a, b) => a.host.localeCompare(b.host));
  $('#other-table tbody').replaceChildren(...others.map(otherRow));
}

function boardRow(d, a) {
  const tr = document.createElement('tr');
  tr.dataset.host = d.hotdeskExtension;
  tr.dataset.mac = d.mac;
  const dev = document.createElement('div');
  const ext = document.createElement('span');
  ext.className = 'ext';
  ext.textContent = d.hotdeskExtension;
  dev.append(ext, ' ', d.displayName || '');
  const mac = document.createElement('div');
  mac.className = 'mac';
  mac.textContent = d.mac;
  dev.appendChild(mac);
  cell(tr, 'Device', dev);
  // Idle: the phone shows its hot-desk extension (HDxxxx).
  cell(tr, 'Status', a ? badge('occupied', 'occupied') : badge('idle · shows ' + d.hotdeskExtension, 'idle'), 'status');
  cell(tr, 'Guest', a ? a.guest : '', 'guest');
  cell(tr, 'Since', a ? fmtTime(a.establishTime) : '');
  cell(tr, 'Time left', a ? fmtLeft(a.expireTime) : '', 'left').dataset.expire = a && a.expireTime || '';
  cell(tr, 'Source', a ? short(a.source, 'SOURCE_') : '');
  const act = document.createElement('div');
  act.className = 'actions';
  if (a && can('operator')) {
    act.appendChild(button('Force logout', 'force-logout', `Force logout ${a.guest} from ${d.hotdeskExtension}`,
      () => forceLogoutDevice(d, a), 'danger'));
  }
  cell(tr, 'Actions', act);
  return tr;
}

function otherRow(a) {
  const tr = document.createElement('tr');
  tr.dataset.host = a.host;
  cell(tr, 'Host', a.host, 'ext');
  cell(tr, 'Guest', a.guest, 'guest');
  cell(tr, 'Since', fmtTime(a.establishTime));
  cell(tr, 'Time left', fmtLeft(a.expireTime), 'left').dataset.expire = a.expireTime || '';
  cell(tr, 'Source', short(a.source, 'SOURCE_'));
  const act = document.createElement('div');
  act.className = 'actions';
  if (can('operator')) {
    act.appendChild(button('Force release', 'force-release', `Force release ${a.guest} from ${a.host}`,
      () => forceRelease(a), 'danger'));
  }
  cell(tr, 'Actions', act);
  return tr;
}

// The countdowns tick locally between events (display only).
setInterval(() => {
  for (const td of $$('td.left')) if (td.dataset.expire) td.textContent = fmtLeft(td.dataset.expire);
}, 1000);

async function forceLogoutDevice(d, a) {
  const ok = await confirmAction('Force logout',
    `Log ${a.guest} out of ${d.hotdeskExtension}${d.displayName ? ' (' + d.displayName + ')' : ''}?`);
  if (!ok) return;
  try {
    await api('POST', tpath(`/devices/${enc(d.mac)}:forceLogout`), {}, { 'X-Hotdesk-Reason': enc(ok.reason) });
    say(`${a.guest} logged out of ${d.hotdeskExtension}.`);
  } catch (e) { say(`Force logout failed: ${e.message}`, true); }
}

async function forceRelease(a) {
  const ok = await confirmAction('Force release', `End ${a.guest}'s association with ${a.host}?`);
  if (!ok) return;
  try {
    await api('POST', tpath(`/associations/${enc(a.host)}:cancel`), { reason: 'CANCEL_REASON_FORCED' },
      { 'X-Hotdesk-Reason': enc(ok.reason) });
    say(`${a.guest} released from ${a.host}.`);
  } catch (e) { say(`Force release failed: ${e.message}`, true); }
}

// ---------------------------------------------------------------------------------- events

function openStream(fresh) {
  closeStream();
  const url = tpath('/events') + (fresh ? '?includeSnapshot=true' : '');
  const es = new EventSource(url, { withCredentials: true });
  state.source = es;
  let snapshot = fresh ? new Map() : null;
  setStream('connecting…', '');
  es.onopen = () => setStream('live', 'ok');
  es.onmessage = (msg) => {
    const ev = JSON.parse(msg.data);
    if (ev.snapshot) { (snapshot = snapshot || new Map()).set(ev.association.host, ev.association); return; }
    if (ev.type === 'EVENT_TYPE_SNAPSHOT_COMPLETE') {
      state.assoc = snapshot || new Map();
      snapshot = null;
      renderBoard();
      return;
    }
    applyEvent(ev);
  };
  // A refusal or a lost position (e.g. OUT_OF_RANGE: the cursor left retention): start over
  // with a fresh snapshot rather than let the browser resume from a position that cannot work.
  es.addEventListener('status', (msg) => {
    const st = JSON.parse(msg.data);
    closeStream();
    setStream(`stopped: ${st.message}`, 'bad');
    if (st.code === 7 || st.code === 16 || st.code === 3) return;  // denied / unauthenticated / invalid
    state.retryTimer = setTimeout(() => openStream(true), 2000);
  });
  es.onerror = () => {
    // The browser reconnects by itself (with Last-Event-ID) unless the stream was refused.
    if (es.readyState === EventSource.CLOSED) {
      setStream('disconnected; retrying', 'bad');
      state.retryTimer = setTimeout(() => openStream(true), 3000);
    } else {
      setStream('reconnecting…', 'bad');
    }
  };
}

function closeStream() {
  if (state.retryTimer) clearTimeout(state.retryTimer);
  state.retryTimer = null;
  if (state.source) state.source.close();
  state.source = null;
}

function setStream(text, cls) {
  const s = $('#stream-state');
  s.textContent = 'stream: ' + text;
  s.className = 'stream ' + cls;
}

function applyEvent(ev) {
  const a = ev.association;
  if (ev.type === 'EVENT_TYPE_ESTABLISHED') state.assoc.set(a.host, a);
  if (ev.type === 'EVENT_TYPE_CANCELLED') {
    const now = state.assoc.get(a.host);
    if (now && now.cursor === a.cursor) state.assoc.delete(a.host);
  }
  state.events.unshift(ev);
  if (state.events.length > 500) state.events.pop();
  renderBoard();
  const row = $(`#board-table tr[data-host="${CSS.escape(a.host)}"]`);
  if (row) row.classList.add('flash');
  prependEventRow(ev);
  if (ev.type === 'EVENT_TYPE_CANCELLED' && ev.reason === 'CANCEL_REASON_FORCED') {
    say(`${a.guest} was logged out of ${a.host} (forced).`);
  }
}

function eventRow(ev) {
  const tr = document.createElement('tr');
  const a = ev.association || {};
  cell(tr, 'Time', fmtTime(ev.time));
  cell(tr, 'Event', short(ev.type, 'EVENT_TYPE_'));
  cell(tr, 'Host', a.host, 'ext');
  cell(tr, 'Guest', a.guest);
  cell(tr, 'Reason', short(ev.reason, 'CANCEL_REASON_'));
  cell(tr, 'Source', short(ev.source, 'SOURCE_'));
  return tr;
}

function prependEventRow(ev) {
  const tbody = $('#events-table tbody');
  tbody.insertBefore(eventRow(ev), tbody.firstChild);
  while (tbody.children.length > 500) tbody.lastChild.remove();
}

// ---------------------------------------------------------------------------------- devices

async function loadDevices() {
  const list = await listAll('/devices', 'devices');
  state.devices = new Map(list.map((s) => [s.device.mac, s.device]));
  renderDevices();
  renderBoard();
}

function renderDevices() {
  const rows = Array.from(state.devices.values())
    .sort((a, b) => (a.hotdeskExtension || '').localeCompare(b.hotdeskExtension || ''))
    .map((d) => {
      const tr = document.createElement('tr');
      tr.dataset.mac = d.mac;
      cell(tr, 'Extension', d.hotdeskExtension, 'ext');
      cell(tr, 'MAC', d.mac, 'mac');
      cell(tr, 'Name', d.displayName || '');
      cell(tr, 'Provisioning', short(d.provisioning || 'PROVISIONING_METHOD_PNP', 'PROVISIONING_METHOD_'));
      cell(tr, 'Network', short(d.network || 'NETWORK_LOCATION_LAN', 'NETWORK_LOCATION_'));
      cell(tr, 'Model', d.model || '');
      const act = document.createElement('div');
      act.className = 'actions';
      act.appendChild(button('Profile', 'profile', `Provisioning profile of ${d.hotdeskExtension}`, () => showProfile(d)));
      if (can('admin')) {
        act.appendChild(button('Edit', 'edit', `Edit ${d.hotdeskExtension}`, () => editDevice(d)));
        act.appendChild(button('Remove', 'remove', `Remove ${d.hotdeskExtension}`, () => removeDevice(d), 'danger'));
      }
      cell(tr, 'Actions', act);
      return tr;
    });
  $('#devices-table tbody').replaceChildren(...rows);
}

function editDevice(d) {
  const form = $('#device-form');
  form.reset();
  showFieldErrors(form, {});
  form.dataset.mode = d ? 'edit' : 'add';
  $('#device-title').textContent = d ? `Edit ${d.hotdeskExtension}` : 'Add device';
  $('#d-mac').readOnly = !!d;
  if (d) {
    $('#d-mac').value = d.mac;
    $('#d-ext').value = d.hotdeskExtension || '';
    $('#d-name').value = d.displayName || '';
    $('#d-prov').value = d.provisioning || 'PROVISIONING_METHOD_PNP';
    $('#d-net').value = d.network || 'NETWORK_LOCATION_LAN';
    $('#d-model').value = d.model || '';
  }
  $('#device-dialog').showModal();
  (d ? $('#d-ext') : $('#d-mac')).focus();
}

$('#device-add').addEventListener('click', () => editDevice(null));
$('#device-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = e.target;
  const device = {
    mac: $('#d-mac').value.trim(),
    hotdeskExtension: $('#d-ext').value.trim(),
    displayName: $('#d-name').value.trim(),
    provisioning: $('#d-prov').value,
    network: $('#d-net').value,
    model: $('#d-model').value.trim(),
  };
  try {
    if (form.dataset.mode === 'edit') {
      await api('PATCH', tpath(`/devices/${enc(device.mac)}?updateMask=hotdeskExtension,displayName,provisioning,network,model`), device);
    } else {
      await api('POST', tpath('/devices'), device);
    }
    $('#device-dialog').close();
    say(`Device ${device.hotdeskExtension} saved.`);
    await loadDevices();
  } catch (err) {
    showFieldErrors(form, err, /^device\./);
  }
});

async function removeDevice(d) {
  const ok = await confirmAction('Remove device', `Remove ${d.hotdeskExtension} (${d.mac})?`, false);
  if (!ok) return;
  try {
    await api('DELETE', tpath(`/devices/${enc(d.mac)}`));
    say(`Device ${d.hotdeskExtension} removed.`);
    await loadDevices();
  } catch (e) { say(`Remove failed: ${e.message}`, true); }
}

async function showProfile(d) {
  const pre = $('#profile-body');
  $('#profile-title').textContent = `Provisioning profile of ${d.hotdeskExtension}`;
  pre.textContent = 'loading…';
  $('#profile-dialog').showModal();
  try {
    const res = await fetch(tpath(`/devices/${enc(d.mac)}/profile`), { credentials: 'same-origin' });
    const text = await res.text();
    if (res.ok) pre.textContent = text;
    else pre.textContent = res.status === 501 ? 'Profile preview is not configured (hotdesk-web --featurecodes_url).'
      : (JSON.parse(text).message || text);
  } catch (e) { pre.textContent = e.message; }
  pre.focus();
}

// ---------------------------------------------------------------------------------- guests

async function loadGuests() {
  state.guests = await listAll('/guests', 'guests');
  renderGuests();
}

function limitText(l) {
  if (!l) return '—';
  if (l.duration) return `${Math.round(parseFloat(l.duration) / 3600)} h`;
  if (l.daily) return `daily ${String(l.daily.hour || 0).padStart(2, '0')}:${String(l.daily.minute || 0).padStart(2, '0')} ${l.daily.timeZone}`;
  return '—';
}

function renderGuests() {
  const rows = state.guests.slice().sort((a, b) => a.id.localeCompare(b.id)).map((g) => {
    const tr = document.createElement('tr');
    tr.dataset.guest = g.id;
    cell(tr, 'Guest', g.id, 'ext');
    cell(tr, 'Name', g.displayName || '');
    cell(tr, 'Hot desking', g.hotdeskingEnabled ? badge('enabled', 'occupied') : badge('disabled', 'off'));
    cell(tr, 'PIN', g.hasPin ? 'set' : 'none');
    const locked = g.lockedUntil && new Date(g.lockedUntil) > new Date();
    cell(tr, 'Lock', locked ? badge(`locked until ${fmtTime(g.lockedUntil)}`, 'locked')
      : (g.failedAttempts ? `${g.failedAttempts} failed` : ''));
    cell(tr, 'Limit', limitText(g.associationLimit));
    const act = document.createElement('div');
    act.className = 'actions';
    if (can('admin')) {
      act.appendChild(button(g.hotdeskingEnabled ? 'Disable' : 'Enable', 'toggle',
        `${g.hotdeskingEnabled ? 'Disable' : 'Enable'} hot desking for ${g.id}`, () => toggleGuest(g)));
      act.appendChild(button('Edit', 'edit', `Edit ${g.id}`, () => editGuest(g)));
      act.appendChild(button(locked ? 'Unlock (new PIN)' : 'Set PIN', 'set-pin', `Set the PIN of ${g.id}`, () => setPin(g)));
    }
    if (can('operator')) {
      act.appendChild(button('Force logout', 'force-logout', `Force logout ${g.id} wherever logged in`, () => forceLogoutGuest(g)));
    }
    if (can('admin')) act.appendChild(button('Remove', 'remove', `Remove ${g.id}`, () => removeGuest(g), 'danger'));
    cell(tr, 'Actions', act);
    return tr;
  });
  $('#guests-table tbody').replaceChildren(...rows);
}

function limitFromForm() {
  const kind = $('#g-limit-kind').value;
  if (kind === 'hours') return { duration: `${parseInt($('#g-hours').value || '0', 10) * 3600}s` };
  if (kind === 'daily') {
    const [h, m] = ($('#g-daily').value || '').split(':');
    return { daily: { timeZone: $('#g-zone').value.trim(), hour: parseInt(h || '0', 10), minute: parseInt(m || '0', 10) } };
  }
  return null;
}

function editGuest(g) {
  const form = $('#guest-form');
  form.reset();
  showFieldErrors(form, {});
  form.dataset.mode = g ? 'edit' : 'add';
  $('#guest-title').textContent = g ? `Edit ${g.id}` : 'Add guest';
  $('#g-id').readOnly = !!g;
  $('#g-pin-box').hidden = !!g;
  if (g) {
    $('#g-id').value = g.id;
    $('#g-name').value = g.displayName || '';
    $('#g-enabled').checked = !!g.hotdeskingEnabled;
    const l = g.associationLimit;
    $('#g-limit-kind').value = l && l.duration ? 'hours' : l && l.daily ? 'daily' : 'none';
    if (l && l.duration) $('#g-hours').value = Math.round(parseFloat(l.duration) / 3600);
    if (l && l.daily) {
      $('#g-daily').value = `${String(l.daily.hour || 0).padStart(2, '0')}:${String(l.daily.minute || 0).padStart(2, '0')}`;
      $('#g-zone').value = l.daily.timeZone || '';
    }
  }
  $('#guest-dialog').showModal();
  (g ? $('#g-name') : $('#g-id')).focus();
}

$('#guest-add').addEventListener('click', () => editGuest(null));
$('#guest-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = e.target;
  const guest = { id: $('#g-id').value.trim(), displayName: $('#g-name').value.trim(),
    hotdeskingEnabled: $('#g-enabled').checked };
  const limit = limitFromForm();
  if (limit) guest.associationLimit = limit;
  try {
    if (form.dataset.mode === 'edit') {
      await api('PATCH', tpath(`/guests/${enc(guest.id)}?updateMask=displayName,hotdeskingEnabled,associationLimit`), guest);
    } else {
      const body = { guest };
      if ($('#g-pin').value) body.pin = $('#g-pin').value;
      await api('POST', tpath('/guests'), body);
    }
    $('#guest-dialog').close();
    say(`Guest ${guest.id} saved.`);
    await loadGuests();
  } catch (err) {
    showFieldErrors(form, err, /^guest\./);
  }
});

async function toggleGuest(g) {
  try {
    await api('PATCH', tpath(`/guests/${enc(g.id)}?updateMask=hotdeskingEnabled`), { hotdeskingEnabled: !g.hotdeskingEnabled });
    say(`Hot desking ${g.hotdeskingEnabled ? 'disabled' : 'enabled'} for ${g.id}.`);
    await loadGuests();
  } catch (e) { say(`Change failed: ${e.message}`, true); }
}

function setPin(g) {
  const form = $('#pin-form');
  form.reset();
  showFieldErrors(form, {});
  form.dataset.guest = g.id;
  $('#pin-text').textContent = `A new PIN for ${g.id}. Setting it also clears a lockout.`;
  $('#pin-dialog').showModal();
  $('#p-pin').focus();
}

$('#pin-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = e.target;
  try {
    await api('POST', tpath(`/guests/${enc(form.dataset.guest)}:setPin`), { pin: $('#p-pin').value });
    $('#pin-dialog').close();
    say(`PIN of ${form.dataset.guest} set.`);
    await loadGuests();
  } catch (err) { showFieldErrors(form, err, /^$/) || say(err.message, true); }
});

async function forceLogoutGuest(g) {
  const ok = await confirmAction('Force logout', `Log ${g.id} out wherever logged in?`);
  if (!ok) return;
  try {
    await api('POST', tpath(`/guests/${enc(g.id)}:forceLogout`), {}, { 'X-Hotdesk-Reason': enc(ok.reason) });
    say(`${g.id} logged out.`);
  } catch (e) { say(`Force logout failed: ${e.message}`, true); }
}

async function removeGuest(g) {
  const ok = await confirmAction('Remove guest', `Remove ${g.id} and their PIN?`, false);
  if (!ok) return;
  try {
    await api('DELETE', tpath(`/guests/${enc(g.id)}`));
    say(`Guest ${g.id} removed.`);
    await loadGuests();
  } catch (e) { say(`Remove failed: ${e.message}`, true); }
}

// ---------------------------------------------------------------------------------- health

async function loadHealth() {
  const rows = [];
  const row = (name, ok, detail) => {
    const tr = document.createElement('tr');
    cell(tr, 'Component', name);
    cell(tr, 'State', badge(ok ? 'up' : 'down', ok ? 'occupied' : 'locked'));
    cell(tr, 'Detail', detail);
    rows.push(tr);
  };
  try { const h = await api('GET', '/v1/health'); row('hotdesk-server', h.status === 'SERVING', h.status); }
  catch (e) { row('hotdesk-server', false, e.message); }
  try {
    const a = await api('GET', '/v1/adapters');
    for (const x of a.adapters || []) row(x.name, x.ok, x.detail);
    if (!(a.adapters || []).length) row('adapters', true, 'none configured (hotdesk-web --adapters)');
  } catch (e) { row('adapters', false, e.message); }
  $('#health-table tbody').replaceChildren(...rows);
}
$('#health-refresh').addEventListener('click', loadHealth);

// ---------------------------------------------------------------------------------- tabs

const TABS = ['board', 'devices', 'guests', 'events', 'health'];

function selectTab(name, focus) {
  for (const t of TABS) {
    const tab = $('#tab-' + t);
    const on = t === name;
    tab.setAttribute('aria-selected', on ? 'true' : 'false');
    tab.tabIndex = on ? 0 : -1;
    $('#' + t).hidden = !on;
    if (on && focus) tab.focus();
  }
  if (name === 'guests') loadGuests().catch((e) => say(`Guests: ${e.message}`, true));
  if (name === 'devices') loadDevices().catch((e) => say(`Devices: ${e.message}`, true));
  if (name === 'health') loadHealth();
}

for (const t of TABS) {
  const tab = $('#tab-' + t);
  tab.addEventListener('click', () => selectTab(t));
  tab.addEventListener('keydown', (e) => {
    const i = TABS.indexOf(t);
    if (e.key === 'ArrowRight') selectTab(TABS[(i + 1) % TABS.length], true);
    else if (e.key === 'ArrowLeft') selectTab(TABS[(i + TABS.length - 1) % TABS.length], true);
    else return;
    e.preventDefault();
  });
}

$('#board-search').addEventListener('input', renderBoard);
$('#board-filter').addEventListener('change', renderBoard);

// ---------------------------------------------------------------------------------- session

function showSignIn(message) {
  closeStream();
  state.identity = null;
  $('#app').hidden = true;
  $('#who').hidden = true;
  $('#tenant-form').hidden = true;
  $('#sign-in').hidden = false;
  $('#token-error').textContent = message || '';
  $('#token').focus();
}

async function signedIn(identity) {
  state.identity = identity;
  $('#sign-in').hidden = true;
  $('#who').hidden = false;
  $('#who-text').textContent = identity.decoded
    ? `${identity.subject || 'signed in'} · ${identity.role || 'no role'}`
    : (identity.via === 'none' ? 'no token (development server)' : 'signed in');
  const list = $('#tenant-list');
  list.replaceChildren(...(identity.tenants || []).map((t) => { const o = document.createElement('option'); o.value = t; return o; }));
  $('#tenant-form').hidden = false;
  applyRoles();
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('tenant');
  const remembered = localStorage.getItem('hotdesk.tenant');
  const only = !identity.allTenants && (identity.tenants || []).length === 1 ? identity.tenants[0] : '';
  const tenant = fromHash || only || remembered || (identity.tenants || [])[0] || '';
  $('#tenant').value = tenant;
  if (tenant) openTenant(tenant); else { say('Choose a tenant.'); $('#tenant').focus(); }
}

function openTenant(tenant) {
  state.tenant = tenant;
  localStorage.setItem('hotdesk.tenant', tenant);
  history.replaceState(null, '', '#tenant=' + enc(tenant));
  state.devices = new Map();
  state.assoc = new Map();
  state.events = [];
  $('#events-table tbody').replaceChildren();
  $('#app').hidden = false;
  document.title = `hotdesk · ${tenant}`;
  say(`Tenant ${tenant}.`);
  selectTab('board');
  loadDevices().catch((e) => say(`Devices: ${e.message}`, true));
  openStream(true);
}

$('#tenant-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const t = $('#tenant').value.trim();
  if (!$('#tenant').checkValidity()) { say('A tenant is lower-case letters, digits and "-".', true); return; }
  openTenant(t);
});

$('#sign-in-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const token = $('#token').value.trim();
  try {
    const id = await api('POST', '/v1/session', { token });
    $('#token').value = '';
    signedIn(id);
  } catch (err) {
    const v = (err.violations || [])[0];
    $('#token-error').textContent = v ? `${v.field}: ${v.description}` : err.message;
    $('#token').setAttribute('aria-invalid', 'true');
  }
});

$('#no-token').addEventListener('click', () => signedIn({ decoded: false, via: 'none' }));

$('#sign-out').addEventListener('click', async () => {
  try { await api('DELETE', '/v1/session'); } catch (e) { /* signed out either way */ }
  localStorage.removeItem('hotdesk.tenant');
  showSignIn('Signed out.');
});

(async function start() {
  try {
    signedIn(await api('GET', '/v1/session'));
  } catch (e) {
    showSignIn('');
  }
})();
