// The alerts and the Grafana dashboard read only series the operator exports, with labels they
// have; and the scrape path holds together: Service, kube-rbac-proxy, ServiceMonitor, token.
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { expect } from 'chai';

import { buildDefault, find, NAMESPACE, repoRoot, type Manifest } from './manifests.ts';
import { exportedSeries, parseQuery, unknownInQuery } from './promql.ts';

interface AlertRule {
    alert?: string;
    record?: string;
    expr: string;
    for?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
}
type PrometheusRule = Manifest & { spec: { groups: { name: string; rules: AlertRule[] }[] } };

interface Panel {
    id: number;
    type: string;
    title: string;
    datasource?: { uid: string };
    targets?: { expr: string; datasource?: { uid: string } }[];
    panels?: Panel[];
}
interface Dashboard {
    uid: string;
    title: string;
    panels: Panel[];
    templating: { list: { name: string; type: string; definition?: string }[] };
}

const series = exportedSeries();

/** Source files that define metrics; each must be one of the registries exportedSeries() builds. */
const METRIC_MODULES = [
    'operator/runtime/metrics.ts',
    'operator/controllers/shared/metrics.ts',
    'operator/controllers/arbitration/metrics.ts',
];

function flatten(panels: readonly Panel[]): Panel[] {
    return panels.flatMap((p) => [p, ...flatten(p.panels ?? [])]);
}

describe('the series the alerts and dashboard read', () => {
    it('should come from every module of operator/ that defines a metric', () => {
        const operator = resolve(repoRoot, 'operator');
        const defining = readdirSync(operator, { recursive: true, encoding: 'utf8' })
            .filter((f) => f.endsWith('.ts'))
            .filter((f) =>
                /\bnew (Counter|Gauge|Histogram|Summary)\b/.test(readFileSync(resolve(operator, f), 'utf8')),
            )
            .map((f) => `operator/${f}`);

        expect(defining.sort()).to.deep.equal([...METRIC_MODULES].sort());
        expect(series.get('bascule_tenant_borrowed_instances')).to.deep.equal(['tenant']);
        expect(series.get('bascule_reallocation_duration_seconds_bucket')).to.deep.equal(['rule', 'le']);
    });

    it('should find unknown series and labels in an expression', () => {
        expect(unknownInQuery('sum by (tenant) (rate(bascule_no_such_total[5m]))', series)).to.include(
            'unknown series bascule_no_such_total',
        );
        expect(unknownInQuery('bascule_pool_parked_machines{tenant="a"}', series)).to.deep.equal([
            'bascule_pool_parked_machines has no label tenant',
        ]);
        expect(unknownInQuery('sum by (pool) (bascule_tenant_lent_instances)', series)).to.deep.equal([
            'no series here has the label pool',
        ]);
        expect(
            parseQuery('histogram_quantile(0.95, sum by (le) (rate(x_bucket{a=~"b|c"}[$__rate_interval])))'),
        ).to.deep.equal({
            selectors: [{ metric: 'x_bucket', labels: ['a'] }],
            grouping: ['le'],
        });
    });
});

describe('the PrometheusRule', () => {
    let rules: AlertRule[];

    before(() => {
        const rule = find(buildDefault(), 'PrometheusRule', 'bascule-operator') as PrometheusRule;
        rules = rule.spec.groups.flatMap((g) => g.rules);
    });

    it('should alert only on series and labels the operator exports', () => {
        const problems = rules.flatMap((r) =>
            unknownInQuery(r.expr, series).map((p) => `${r.alert ?? r.record ?? '?'}: ${p}`),
        );

        expect(rules.length).to.be.greaterThan(5);
        expect(problems).to.deep.equal([]);
    });

    it('should give every alert a unique name, a severity, a summary and a description of what to do', () => {
        const names = rules.map((r) => r.alert);

        expect(new Set(names).size).to.equal(names.length);
        for (const r of rules) {
            expect(r.alert, r.expr).to.match(/^Bascule[A-Z]\w+$/);
            expect(['critical', 'warning', 'info']).to.include(r.labels?.severity);
            expect(r.annotations?.summary, r.alert).to.be.a('string').with.length.greaterThan(10);
            expect(r.annotations?.description, r.alert).to.be.a('string').with.length.greaterThan(60);
        }
    });

    it('should name the scrape job after the metrics Service, as the Prometheus Operator does', () => {
        const jobs = rules.flatMap((r) => [...r.expr.matchAll(/\bjob="([^"]+)"/g)].map((m) => m[1]));

        expect(jobs.length).to.be.greaterThan(0);
        for (const job of jobs) expect(job).to.equal('bascule-operator-metrics');
    });
});

describe('the Grafana dashboard', () => {
    let configMap: Manifest & { data: Record<string, string> };
    let dashboard: Dashboard;

    before(() => {
        configMap = find(buildDefault(), 'ConfigMap', 'bascule-dashboard') as typeof configMap;
        dashboard = JSON.parse(configMap.data['bascule-dashboard.json'] ?? 'null') as Dashboard;
    });

    it('should be a ConfigMap labelled for the Grafana sidecar, the same JSON as config/grafana', () => {
        const file = readFileSync(resolve(repoRoot, 'config/grafana/bascule-dashboard.json'), 'utf8');

        expect(configMap.metadata.labels?.grafana_dashboard).to.equal('1');
        expect(configMap.data['bascule-dashboard.json']).to.equal(file);
        expect(dashboard.uid).to.equal('bascule-operator');
    });

    it('should query only series and labels the operator exports', () => {
        const panels = flatten(dashboard.panels);
        const targets = panels.flatMap((p) =>
            (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
        );
        const problems = targets.flatMap((t) =>
            unknownInQuery(t.expr, series).map((p) => `${t.panel}: ${p}`),
        );
        const variables = dashboard.templating.list.flatMap((v) => {
            const match = /^label_values\((\w+),\s*(\w+)\)$/.exec(v.definition ?? '');
            return match ? [match[1] ?? ''] : [];
        });

        expect(targets.length).to.be.greaterThan(10);
        expect(problems).to.deep.equal([]);
        expect(variables.every((name) => series.has(name))).to.equal(true);
    });

    it('should show the capacity, reconcile and cloud metrics', () => {
        const queried = flatten(dashboard.panels)
            .flatMap((p) => p.targets ?? [])
            .flatMap((t) => parseQuery(t.expr).selectors.map((s) => s.metric));

        expect(queried).to.include.members([
            'bascule_tenant_borrowed_instances',
            'bascule_tenant_lent_instances',
            'bascule_pool_parked_machines',
            'bascule_reallocation_duration_seconds_bucket',
            'controller_runtime_reconcile_total',
            'controller_runtime_reconcile_errors_total',
            'bascule_cloud_requests_total',
            'bascule_cloud_request_duration_seconds_bucket',
        ]);
    });

    it('should give panels unique ids and read the dashboard-wide data source', () => {
        const panels = flatten(dashboard.panels);
        const ids = panels.map((p) => p.id);

        expect(new Set(ids).size).to.equal(ids.length);
        for (const p of panels.filter((panel) => panel.type !== 'row')) {
            expect(p.datasource?.uid, p.title).to.equal('${datasource}');
            expect(p.targets, p.title).to.have.length.greaterThan(0);
        }
    });
});

describe('the metrics scrape path', () => {
    let objects: Manifest[];

    before(() => {
        objects = buildDefault();
    });

    it('should scrape kube-rbac-proxy over https with the metrics reader token', () => {
        type Service = Manifest & {
            spec: {
                selector: Record<string, string>;
                ports: { name: string; port: number; targetPort: string }[];
            };
        };
        type Monitor = Manifest & {
            spec: {
                selector: { matchLabels: Record<string, string> };
                endpoints: {
                    port: string;
                    scheme: string;
                    authorization: { credentials: { name: string; key: string } };
                }[];
            };
        };
        type Deployment = Manifest & {
            spec: {
                template: {
                    metadata: { labels: Record<string, string> };
                    spec: {
                        containers: { name: string; ports?: { name: string; containerPort: number }[] }[];
                    };
                };
            };
        };
        const service = find(objects, 'Service', 'bascule-operator-metrics') as Service;
        const monitor = find(objects, 'ServiceMonitor', 'bascule-operator') as Monitor;
        const deployment = find(objects, 'Deployment', 'bascule-operator') as Deployment;
        const proxy = deployment.spec.template.spec.containers.find((c) => c.name === 'kube-rbac-proxy');
        const endpoint = monitor.spec.endpoints[0];

        expect(service.spec.selector).to.deep.include(deployment.spec.template.metadata.labels);
        expect(service.metadata.labels).to.deep.include(monitor.spec.selector.matchLabels);
        expect(service.spec.ports).to.deep.equal([
            { name: 'https', port: 8443, targetPort: 'https', protocol: 'TCP' },
        ]);
        expect(proxy?.ports).to.deep.include({ name: 'https', containerPort: 8443, protocol: 'TCP' });
        expect(endpoint?.port).to.equal('https');
        expect(endpoint?.scheme).to.equal('https');

        const secret = endpoint?.authorization.credentials.name ?? '';
        const token = find(objects, 'Secret', secret) as Manifest & { type: string };
        expect(endpoint?.authorization.credentials.key).to.equal('token');
        expect(token.type).to.equal('kubernetes.io/service-account-token');
        expect(token.metadata.annotations?.['kubernetes.io/service-account.name']).to.equal(
            'bascule-metrics-reader',
        );
        expect(token.metadata.namespace).to.equal(NAMESPACE);
    });
});
