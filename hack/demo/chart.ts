// The demo's chart: running and parked replicas per pool over time, as one self-contained HTML file
// with an inline SVG (no script, no network), which any browser opens.
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { LOCAL } from './environment.ts';
import type { Mark, Sample } from './recorder.ts';
import { POOLS } from './scenarios.ts';

const WIDTH = 960;
const HEIGHT = 420;
const MARGIN = { left: 60, right: 180, top: 30, bottom: 40 };
const COLOURS = { 'elections-web': '#1f77b4', 'alerts-front': '#d62728', 'analytics-batch': '#2ca02c' };

/** Writes the chart and returns its path. */
export function writeChart(samples: readonly Sample[], marks: readonly Mark[]): string {
    const dir = resolve(LOCAL, 'demo');
    mkdirSync(dir, { recursive: true });
    const path = resolve(dir, 'chart.html');
    writeFileSync(path, html(samples, marks));
    return path;
}

function html(samples: readonly Sample[], marks: readonly Mark[]): string {
    const tMax = Math.max(1, ...samples.map((s) => s.t));
    const yMax = niceCeiling(
        Math.max(1, ...samples.flatMap((s) => POOLS.flatMap((p) => [s.pools[p].running, s.pools[p].parked]))),
    );
    const plotW = WIDTH - MARGIN.left - MARGIN.right;
    const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
    const x = (t: number) => MARGIN.left + (t / tMax) * plotW;
    const y = (v: number) => MARGIN.top + plotH - (v / yMax) * plotH;

    const lines: string[] = [];
    for (const pool of POOLS) {
        const colour = COLOURS[pool];
        const running = samples.map((s) => `${x(s.t).toFixed(1)},${y(s.pools[pool].running).toFixed(1)}`);
        lines.push(
            `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${running.join(' ')}"/>`,
        );
        if (samples.some((s) => s.pools[pool].parked > 0)) {
            const parked = samples.map((s) => `${x(s.t).toFixed(1)},${y(s.pools[pool].parked).toFixed(1)}`);
            lines.push(
                `<polyline fill="none" stroke="${colour}" stroke-width="2" stroke-dasharray="6 4" points="${parked.join(' ')}"/>`,
            );
        }
    }
    const grid: string[] = [];
    for (let v = 0; v <= yMax; v += yMax / 4) {
        grid.push(
            `<line x1="${String(MARGIN.left)}" x2="${String(MARGIN.left + plotW)}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`,
            `<text x="${String(MARGIN.left - 8)}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${String(v)}</text>`,
        );
    }
    for (const m of marks) {
        grid.push(
            `<line x1="${x(m.t).toFixed(1)}" x2="${x(m.t).toFixed(1)}" y1="${String(MARGIN.top)}" y2="${String(MARGIN.top + plotH)}" stroke="#888" stroke-dasharray="2 3"/>`,
            `<text x="${(x(m.t) + 4).toFixed(1)}" y="${String(MARGIN.top - 8)}">${escape(m.label)}</text>`,
        );
    }
    const legend = POOLS.flatMap((pool, i) => {
        const top = MARGIN.top + 20 + i * 40;
        const left = WIDTH - MARGIN.right + 20;
        return [
            `<line x1="${String(left)}" x2="${String(left + 24)}" y1="${String(top)}" y2="${String(top)}" stroke="${COLOURS[pool]}" stroke-width="2"/>`,
            `<text x="${String(left + 30)}" y="${String(top + 4)}">${pool} running</text>`,
            `<line x1="${String(left)}" x2="${String(left + 24)}" y1="${String(top + 16)}" y2="${String(top + 16)}" stroke="${COLOURS[pool]}" stroke-width="2" stroke-dasharray="6 4"/>`,
            `<text x="${String(left + 30)}" y="${String(top + 20)}">parked</text>`,
        ];
    });
    const axis = `<text x="${String(MARGIN.left + plotW / 2)}" y="${String(HEIGHT - 8)}" text-anchor="middle">seconds (${(tMax / 1000).toFixed(0)} s in all)</text>`;
    return `<!doctype html>
<html><head><meta charset="utf-8"><title>Bascule demo: replicas per pool</title>
<style>body{font-family:sans-serif;margin:2em} svg text{font-size:12px}</style></head>
<body><h1>Elections to alerts: running and parked replicas per pool</h1>
<svg xmlns="http://www.w3.org/2000/svg" width="${String(WIDTH)}" height="${String(HEIGHT)}" viewBox="0 0 ${String(WIDTH)} ${String(HEIGHT)}">
${grid.join('\n')}
${lines.join('\n')}
${legend.join('\n')}
${axis}
</svg></body></html>
`;
}

function niceCeiling(v: number): number {
    const step = 10 ** Math.floor(Math.log10(v));
    return Math.ceil(v / step) * step;
}

function escape(text: string): string {
    return text.replace(
        /[&<>"]/g,
        (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c,
    );
}
