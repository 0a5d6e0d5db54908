import { ApiError, BusinessApi, type Device, type ServerStats, type Traffic } from './api.js';
import { drawChart } from './chart.js';
import { RateSeries } from './rates.js';

// The console only reads what the business API answers to the key typed in; every value from the
// server goes into the page as text (textContent), never as markup: user, device, group and room ids
// are chosen by apps and their users.

const WINDOW_MS = 5 * 60_000;
const params = new URLSearchParams(location.search);
const intervalMs = Math.max(250, Number(params.get('interval')) || 2_000);
const KEY_STORAGE = 'switchboard.admin.key';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

function cell(text: string | number, className = ''): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = String(text);
  if (className) td.className = className;
  return td;
}

function row(...cells: HTMLTableCellElement[]): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.append(...cells);
  return tr;
}

const fmt = (n: number) => (n < 10 ? n.toFixed(1) : Math.round(n).toString());

/** `42 s`, `7 min`, `3 h`, `2 d`. */
function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

class Console {
  private readonly signIns = new RateSeries(WINDOW_MS);
  private readonly messages = new RateSeries(WINDOW_MS);
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Set when another key is opened: answers still in flight for this one are dropped. */
  private stopped = false;

  constructor(private readonly api: BusinessApi) {}

  start(): void {
    $('board').hidden = false;
    // Nothing another key's view showed stays on the board.
    for (const el of document.querySelectorAll('.card b, #api-errors')) el.textContent = '–';
    for (const id of ['gates', 'top-groups', 'top-rooms', 'devices']) $(id).replaceChildren();
    void this.poll();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async poll(): Promise<void> {
    const [server, counts, top] = await Promise.allSettled([
      this.api.serverStats(),
      this.api.onlineCounts(),
      this.api.topConversations(10),
    ]);
    if (this.stopped) return;
    const status = $('status');
    if (counts.status === 'rejected') {
      status.textContent = String(counts.reason instanceof Error ? counts.reason.message : counts.reason);
      status.className = 'status error';
    } else {
      status.textContent = `live · every ${intervalMs / 1000}s`;
      status.className = 'status live';
      $('online-devices').textContent = String(counts.value.onlineDevices);
    }
    if (server.status === 'fulfilled') this.showServer(server.value);
    else {
      const denied =
        server.reason instanceof ApiError && server.reason.code === 'ERROR_CODE_PERMISSION_DENIED';
      $('server-note').hidden = !denied;
      $('server-panels').hidden = denied;
      $('gates-panel').hidden = denied;
    }
    if (top.status === 'fulfilled') {
      this.showTop('top-groups', top.value.groups);
      this.showTop('top-rooms', top.value.rooms);
      for (const el of document.querySelectorAll('.window')) {
        el.textContent = `last ${Number(top.value.windowMs) / 60_000} min`;
      }
    }
    this.timer = setTimeout(() => void this.poll(), intervalMs);
  }

  private showServer(s: ServerStats): void {
    $('server-note').hidden = true;
    $('server-panels').hidden = false;
    $('gates-panel').hidden = false;
    const now = Number(s.serverTime);
    const l = s.logic;
    this.signIns.add(now, Number(l.signIns));
    this.messages.add(now, Number(l.messagesStored) + Number(l.roomMessages));
    $('signin-rate').textContent = fmt(this.signIns.current);
    $('message-rate').textContent = fmt(this.messages.current);
    drawChart($('signin-chart'), this.signIns.points, WINDOW_MS, now);
    drawChart($('message-chart'), this.messages.points, WINDOW_MS, now);
    $('connections').textContent = String(s.gates.reduce((n, g) => n + g.connections, 0));
    $('slow-closes').textContent = String(s.gates.reduce((n, g) => n + Number(g.slowCloses), 0));
    // Logic's refusals and failures are summed; business API error answers are shown apart, since a
    // send the API refused as busy is also one of logic's refused sends.
    const errors = {
      'sign-in failures': Number(l.signInFailures),
      'sends refused (busy)': Number(l.sendsRefused),
      'pushes given up': Number(l.pushFailures),
    };
    const errorsEl = $('errors');
    errorsEl.textContent = String(Object.values(errors).reduce((a, b) => a + b, 0));
    errorsEl.parentElement!.title = Object.entries(errors)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n');
    $('api-errors').textContent = s.businessApiErrors;
    $('gates').replaceChildren(
      ...s.gates.map((g) => {
        const left = Number(g.leaseRemainingMs);
        const started = Number(g.startedAt);
        return row(
          cell(g.gateId),
          cell(started > 0 ? age(now - started) : '–', 'num'),
          cell(g.connections, 'num'),
          cell(g.signedIn, 'num'),
          cell(g.rooms, 'num'),
          cell(`${(left / 1000).toFixed(1)} s`, left < 5_000 ? 'num bad' : 'num'),
          cell(g.slowCloses, 'num'),
          cell(g.reachable ? 'up' : 'not answering', g.reachable ? '' : 'bad'),
        );
      }),
    );
  }

  private showTop(id: string, list: readonly Traffic[]): void {
    $(id).replaceChildren(
      ...(list.length === 0
        ? [row(cell('no messages in the window'))]
        : list.map((t) => row(cell(t.id), cell(t.messages, 'num')))),
    );
  }

  async searchDevices(userId: string): Promise<void> {
    const body = $('devices');
    let devices: Device[];
    try {
      devices = await this.api.devices(userId);
    } catch (err) {
      if (this.stopped) return;
      body.replaceChildren(row(cell(err instanceof Error ? err.message : String(err), 'bad')));
      return;
    }
    if (this.stopped) return;
    if (devices.length === 0) {
      body.replaceChildren(row(cell(`no devices for ${userId}`)));
      return;
    }
    body.replaceChildren(
      ...devices.map((d) => {
        const kick = document.createElement('button');
        kick.className = 'kick';
        kick.textContent = 'Kick';
        kick.disabled = !d.online;
        kick.dataset['device'] = d.deviceId;
        kick.addEventListener('click', () => {
          kick.disabled = true;
          void this.api
            .kick(userId, d.deviceId)
            .catch(() => false)
            .then(() => this.searchDevices(userId));
        });
        const action = document.createElement('td');
        action.append(kick);
        return row(
          cell(d.deviceId),
          cell(d.platform),
          cell(d.online ? 'online' : 'offline', d.online ? '' : 'bad'),
          cell(d.lastSignInAt === '0' ? '–' : new Date(Number(d.lastSignInAt)).toLocaleString()),
          action,
        );
      }),
    );
  }
}

let current: Console | undefined;

function open(key: string): void {
  current?.stop();
  sessionStorage.setItem(KEY_STORAGE, key);
  current = new Console(new BusinessApi(key));
  current.start();
}

$('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const key = $<HTMLInputElement>('key').value.trim();
  if (key) open(key);
});
$('user-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const user = $<HTMLInputElement>('user').value.trim();
  if (user && current) void current.searchDevices(user);
});
const saved = sessionStorage.getItem(KEY_STORAGE);
if (saved) open(saved);
