// The Argo CD health checks cover every kind and read only what the operator writes: its
// condition types and reasons, and its pause annotation. They are checked as text, and run on
// Lua 5.1 (as Argo CD runs them) against sample objects.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { expect } from 'chai';

import { REASONS } from '../../../operator/controllers/shared/conditions.ts';
import { PAUSED_ANNOTATION } from '../../../operator/controllers/shared/paused.ts';
import { readYaml, repoRoot, type Manifest } from './manifests.ts';

const PATCH = 'config/argocd/argocd-cm-patch.yaml';
const HEALTH = ['Healthy', 'Progressing', 'Degraded', 'Suspended'];

type ConfigMap = Manifest & { data: Record<string, string> };
type Crd = Manifest & { spec: { group: string; names: { kind: string } } };

const kinds = readdirSync(resolve(repoRoot, 'crds'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => readYaml(`crds/${f}`)[0] as Crd);

/** Condition types the reconcilers write: `{ type: 'X', status: ... }` in operator/controllers. */
function conditionTypes(): Set<string> {
    const dir = resolve(repoRoot, 'operator/controllers');
    const types = new Set<string>();
    for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
        f.endsWith('.ts'),
    )) {
        const text = readFileSync(resolve(dir, file), 'utf8');
        for (const match of text.matchAll(/\{\s*type: '([A-Z]\w+)',\s*status:/g)) types.add(match[1] ?? '');
    }
    return types;
}

/** The Lua with comments and string contents removed, for counting keywords. */
function code(lua: string): string {
    return lua.replace(/--[^\n]*/g, '').replace(/"(?:[^"\\]|\\.)*"/g, '""');
}

function blocksBalance(lua: string): boolean {
    const words = code(lua).match(/\b(function|if|for|while|end)\b/g) ?? [];
    const opened = words.filter((w) => w !== 'end').length;
    return opened === words.length - opened;
}

/** A JavaScript value as a Lua table constructor. */
function toLua(value: unknown): string {
    if (value === null || value === undefined) return 'nil';
    if (typeof value === 'string') return JSON.stringify(value);
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (Array.isArray(value)) return `{${value.map(toLua).join(', ')}}`;
    const fields = Object.entries(value as Record<string, unknown>).map(
        ([k, v]) => `[${JSON.stringify(k)}] = ${toLua(v)}`,
    );
    return `{${fields.join(', ')}}`;
}

/** Argo CD runs health checks on gopher-lua, a Lua 5.1; `make test` installs Debian's lua5.1. */
function findLua(): string | undefined {
    return ['lua5.1'].find((name) => spawnSync(name, ['-v']).error === undefined);
}

describe('the Argo CD health checks', () => {
    const patch = readYaml(PATCH)[0] as ConfigMap;
    const scripts = new Map(
        kinds.map((crd) => [
            crd.spec.names.kind,
            patch.data[`resource.customizations.health.${crd.spec.group}_${crd.spec.names.kind}`],
        ]),
    );

    it("should patch Argo CD's argocd-cm with a check for every kind", () => {
        expect(patch.kind).to.equal('ConfigMap');
        expect(patch.metadata.name).to.equal('argocd-cm');
        expect([...scripts.keys()].sort()).to.deep.equal(['ElasticPool', 'Tenant', 'VirtualMachine']);
        expect(Object.keys(patch.data)).to.have.length(kinds.length);
        for (const [kind, lua] of scripts) expect(lua, kind).to.be.a('string');
    });

    for (const crd of kinds) {
        const kind = crd.spec.names.kind;

        it(`should read ${kind}'s Ready and Progressing conditions and answer every health status`, () => {
            const lua = scripts.get(kind) ?? '';

            expect(lua).to.include('found["Ready"]').and.include('found["Progressing"]');
            expect(lua).to.include(`annotations["${PAUSED_ANNOTATION}"]`);
            for (const status of HEALTH) expect(lua, status).to.include(`status = "${status}"`);
            expect(
                [...lua.matchAll(/\bstatus = "(\w+)"/g)].every((m) => HEALTH.includes(m[1] ?? '')),
            ).to.equal(true);
            expect(code(lua)).to.match(/return hs\s*$/);
            expect(blocksBalance(lua), 'every function, if and for has its end').to.equal(true);
        });

        it(`should name only condition types and reasons ${kind}'s operator writes`, () => {
            const lua = scripts.get(kind) ?? '';
            const types = [...lua.matchAll(/found\["(\w+)"\]/g)].map((m) => m[1] ?? '');
            const table = /local needsPerson = \{([^}]*)\}/.exec(lua)?.[1] ?? '';
            const reasons = [...table.matchAll(/(\w+) = true/g)].map((m) => m[1] ?? '');
            const known = conditionTypes();

            expect(known).to.include.members(['Ready', 'Progressing', 'CapacityLimited', 'PortQuota']);
            expect(types.filter((t) => !known.has(t))).to.deep.equal([]);
            expect(reasons).to.include('PolicyForbidden');
            expect(reasons.filter((r) => !(REASONS as readonly string[]).includes(r))).to.deep.equal([]);
        });
    }

    it('should notice an unbalanced block', () => {
        expect(blocksBalance('if a then\n  for _, x in ipairs(t) do\n  end\n')).to.equal(false);
        expect(blocksBalance('-- if in a comment\nlocal s = "end"\nif a then return 1 end\n')).to.equal(true);
    });

    describe('run with a Lua interpreter', () => {
        const lua = findLua();
        const generation = { generation: 2 };
        const condition = (type: string, status: string, reason: string) => ({
            type,
            status,
            reason,
            message: `${reason} message`,
        });
        const status = (...conditions: ReturnType<typeof condition>[]) => ({
            observedGeneration: 2,
            conditions,
        });
        const cases: { name: string; kind: string; obj: object; health: string; message?: RegExp }[] = [
            { name: 'no status yet', kind: 'Tenant', obj: { metadata: generation }, health: 'Progressing' },
            {
                name: 'Ready',
                kind: 'Tenant',
                obj: {
                    metadata: generation,
                    status: status(
                        condition('Ready', 'True', 'Success'),
                        condition('Progressing', 'False', 'Success'),
                    ),
                },
                health: 'Healthy',
            },
            {
                name: 'a status for an older generation',
                kind: 'VirtualMachine',
                obj: { metadata: { generation: 3 }, status: status(condition('Ready', 'True', 'Success')) },
                health: 'Progressing',
            },
            {
                name: 'building',
                kind: 'VirtualMachine',
                obj: {
                    metadata: generation,
                    status: status(
                        condition('Ready', 'False', 'Progressing'),
                        condition('Progressing', 'True', 'Progressing'),
                    ),
                },
                health: 'Progressing',
            },
            {
                name: 'a terminal error',
                kind: 'VirtualMachine',
                obj: {
                    metadata: generation,
                    status: status(
                        condition('Ready', 'False', 'UnknownReference'),
                        condition('Progressing', 'False', 'UnknownReference'),
                    ),
                },
                health: 'Degraded',
                message: /^UnknownReference: /,
            },
            {
                name: 'a missing role, still retried',
                kind: 'Tenant',
                obj: {
                    metadata: generation,
                    status: status(
                        condition('Ready', 'False', 'PolicyForbidden'),
                        condition('Progressing', 'True', 'PolicyForbidden'),
                    ),
                },
                health: 'Degraded',
            },
            {
                name: 'whose machines the cloud policy refuses',
                kind: 'Tenant',
                obj: {
                    metadata: generation,
                    status: status(
                        condition('Ready', 'True', 'Success'),
                        condition('PolicyForbidden', 'True', 'PolicyForbidden'),
                    ),
                },
                health: 'Degraded',
                message: /^PolicyForbidden: /,
            },
            {
                name: 'paused',
                kind: 'ElasticPool',
                obj: {
                    metadata: { ...generation, annotations: { [PAUSED_ANNOTATION]: 'true' } },
                    status: status(condition('Ready', 'True', 'Success')),
                },
                health: 'Suspended',
            },
            {
                name: 'pause annotation set to "false"',
                kind: 'ElasticPool',
                obj: {
                    metadata: { ...generation, annotations: { [PAUSED_ANNOTATION]: 'false' } },
                    status: status(condition('Ready', 'True', 'Success')),
                },
                health: 'Healthy',
            },
            {
                name: 'granted less than desired',
                kind: 'ElasticPool',
                obj: {
                    metadata: generation,
                    status: status(
                        condition('Ready', 'True', 'Success'),
                        condition('CapacityLimited', 'True', 'CapacityLimited'),
                    ),
                },
                health: 'Healthy',
                message: /CapacityLimited: CapacityLimited message/,
            },
            {
                name: 'granted less than its floor',
                kind: 'ElasticPool',
                obj: {
                    metadata: generation,
                    status: status(
                        condition('Ready', 'False', 'BelowFloor'),
                        condition('Progressing', 'True', 'BelowFloor'),
                    ),
                },
                health: 'Degraded',
            },
            {
                name: 'being deleted',
                kind: 'Tenant',
                obj: {
                    metadata: { ...generation, deletionTimestamp: '2025-01-01T00:00:00Z' },
                    status: status(condition('Ready', 'True', 'Success')),
                },
                health: 'Progressing',
            },
        ];

        for (const c of cases) {
            it(`should say ${c.health} for a ${c.kind} ${c.name}`, function () {
                if (lua === undefined) {
                    expect.fail(
                        'no Lua 5.1 interpreter on PATH: run `make test-tools` (apt-get install lua5.1)',
                    );
                }
                const program = [
                    `obj = ${toLua(c.obj)}`,
                    `local function check()\n${scripts.get(c.kind) ?? ''}\nend`,
                    'local hs = check()',
                    'io.write(hs.status, "\\n", hs.message or "")',
                ].join('\n');
                const run = spawnSync(lua, ['-'], { input: program, encoding: 'utf8' });

                expect(run.stderr).to.equal('');
                const [health, message = ''] = run.stdout.split('\n');
                expect(health).to.equal(c.health);
                if (c.message) expect(message).to.match(c.message);
            });
        }
    });
});
