import type { RatePoint } from './rates.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 480;
const HEIGHT = 120;

function svg<K extends keyof SVGElementTagNameMap>(
  name: K,
  attrs: Record<string, string>,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

/** A small hand-drawn line chart of a rate over the window, redrawn whole at every poll. */
export function drawChart(host: Element, points: readonly RatePoint[], windowMs: number, now: number): void {
  const max = Math.max(1, ...points.map((p) => p.perSecond));
  const x = (at: number) => (WIDTH * (at - (now - windowMs))) / windowMs;
  const y = (v: number) => HEIGHT - 4 - ((HEIGHT - 16) * v) / max;
  const root = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'chart', role: 'img' });
  root.append(
    svg('line', { x1: '0', x2: String(WIDTH), y1: String(y(0)), y2: String(y(0)), class: 'axis' }),
    svg('line', { x1: '0', x2: String(WIDTH), y1: String(y(max)), y2: String(y(max)), class: 'grid' }),
  );
  const top = svg('text', { x: '4', y: String(y(max) - 2), class: 'scale' });
  top.textContent = `${max.toFixed(max < 10 ? 1 : 0)}/s`;
  root.append(top);
  if (points.length > 1) {
    const line = points.map((p) => `${x(p.at).toFixed(1)},${y(p.perSecond).toFixed(1)}`).join(' ');
    root.append(svg('polyline', { points: line, class: 'line' }));
  }
  host.replaceChildren(root);
}
