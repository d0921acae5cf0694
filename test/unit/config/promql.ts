// Just enough of PromQL to find which series and labels an expression names: strings, ranges and
// Grafana variables are dropped, grouping clauses give labels, and every name not called as a
// function is a selector.
import { RuntimeMetrics } from '../../../operator/runtime/metrics.ts';
import { ControllerMetrics } from '../../../operator/controllers/shared/metrics.ts';
import { ArbitrationMetrics } from '../../../operator/controllers/arbitration/metrics.ts';

/** One series selector: the metric name and the labels it matches on. */
export interface Selector {
    metric: string;
    labels: string[];
}

export interface Query {
    selectors: Selector[];
    /** Labels named by by, without, on, ignoring, group_left and group_right. */
    grouping: string[];
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);
const GROUPING = /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g;
const SELECTOR = /(?<![\w.:$])([a-zA-Z_:][\w:]*)\s*(?:\{([^}]*)\})?(\s*\()?/g;

/** The selectors and grouping labels of one PromQL expression. */
export function parseQuery(expr: string): Query {
    let rest = expr
        .replace(/"(?:[^"\\]|\\.)*"/g, '""')
        .replace(/\$\{\w+\}|\$\w+/g, '')
        .replace(/\[[^\]]*\]/g, '');

    const grouping: string[] = [];
    rest = rest.replace(GROUPING, (_clause, _keyword, labels: string) => {
        grouping.push(...splitNames(labels));
        return ' ';
    });

    const selectors: Selector[] = [];
    for (const [, metric = '', matchers, call] of rest.matchAll(SELECTOR)) {
        // A name followed by "(" is a function or an aggregation.
        if (call !== undefined || KEYWORDS.has(metric.toLowerCase())) continue;
        const labels = (matchers ?? '')
            .split(',')
            .flatMap((m) => /^\s*([a-zA-Z_]\w*)\s*(=~|!~|!=|=)/.exec(m)?.[1] ?? []);
        selectors.push({ metric, labels });
    }
    return { selectors, grouping };
}

function splitNames(list: string): string[] {
    return list
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== '');
}

/** Labels Prometheus adds to every series it scrapes through a ServiceMonitor. */
export const TARGET_LABELS = ['job', 'instance', 'namespace', 'pod', 'service', 'endpoint', 'container'];

/**
 * Every series the operator exports, with its labels: from the registries main.ts builds
 * (the runtime's, the reconcilers' and capacity arbitration's), histograms as their _bucket, _sum
 * and _count series. `up` is Prometheus's own, for each target.
 */
export function exportedSeries(): Map<string, string[]> {
    const runtime = new RuntimeMetrics();
    new ControllerMetrics(runtime.registry);
    new ArbitrationMetrics(runtime.registry);

    const series = new Map<string, string[]>([['up', []]]);
    for (const metric of runtime.registry.getMetricsAsArray()) {
        const labels = [...((metric as { labelNames?: readonly string[] }).labelNames ?? [])];
        if (String(metric.type) !== 'histogram') {
            series.set(metric.name, labels);
            continue;
        }
        series.set(`${metric.name}_bucket`, [...labels, 'le']);
        series.set(`${metric.name}_sum`, labels);
        series.set(`${metric.name}_count`, labels);
    }
    return series;
}

/** What in `expr` the operator does not export: unknown series, or labels no series named has. */
export function unknownInQuery(expr: string, series: ReadonlyMap<string, readonly string[]>): string[] {
    const { selectors, grouping } = parseQuery(expr);
    const problems: string[] = [];
    if (selectors.length === 0) problems.push('no series selected');

    const known = new Set(TARGET_LABELS);
    for (const { metric, labels } of selectors) {
        const has = series.get(metric);
        if (has === undefined) {
            problems.push(`unknown series ${metric}`);
            continue;
        }
        for (const label of has) known.add(label);
        for (const label of labels) {
            if (!has.includes(label) && !TARGET_LABELS.includes(label))
                problems.push(`${metric} has no label ${label}`);
        }
    }
    for (const label of grouping) {
        if (!known.has(label)) problems.push(`no series here has the label ${label}`);
    }
    return problems;
}
